import type { CommentChannel, CommentEvent, TaskEvent } from "../../libs/contracts";
import { COMMENT_CHANNELS, TASK_CHANNELS } from "../../libs/contracts";
import type { IndexChange } from "./engine";

/** What a task event means for the index; undefined for an event that carries nothing to index. */
export function changeOf(event: TaskEvent): IndexChange | undefined {
  if (event.type === TASK_CHANNELS.deleted) return { kind: "delete", id: event.taskId, ownerId: event.ownerId, version: event.version };
  if (!event.task) return undefined;
  return { kind: "upsert", task: event.task };
}

/** What a comment event means for the index: the comment's text in its task's document, or its removal. */
export function commentChangeOf(channel: CommentChannel, event: CommentEvent): IndexChange {
  const deleted = channel === COMMENT_CHANNELS.deleted;
  return {
    kind: "comment",
    comment: {
      id: event.commentId,
      taskId: event.taskId,
      ownerId: event.ownerId,
      text: deleted ? "" : event.text,
      createdAt: event.createdAt,
      version: event.version,
      deleted,
    },
  };
}

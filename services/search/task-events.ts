import type { TaskEvent } from "../../libs/contracts";
import { TASK_CHANNELS } from "../../libs/contracts";
import type { IndexChange } from "./engine";

/** What a task event means for the index; undefined for an event that carries nothing to index. */
export function changeOf(event: TaskEvent): IndexChange | undefined {
  if (event.type === TASK_CHANNELS.deleted) return { kind: "delete", id: event.taskId, ownerId: event.ownerId, version: event.version };
  if (!event.task) return undefined;
  return { kind: "upsert", task: event.task };
}

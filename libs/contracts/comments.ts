import { z } from "zod";
import { instant } from "./time";

export const commentInput = z.strictObject({ text: z.string().trim().min(1).max(10_000) }).meta({ id: "CommentInput" });

export const commentSchema = z
  .object({
    id: z.uuid(),
    taskId: z.uuid(),
    authorId: z.uuid(),
    authorName: z.string(),
    text: z.string(),
    mentions: z.array(z.uuid()).meta({ description: "the members the text mentions (@name or @email), who were notified" }),
    createdAt: instant,
    updatedAt: instant,
    version: z.int().min(1),
  })
  .meta({ id: "Comment" });
export type CommentDto = z.infer<typeof commentSchema>;
/** A comment as the tasks service answers it: the gateway adds the author's name. */
export type StoredCommentDto = Omit<CommentDto, "authorName">;

/** Durable channel: a comment mentioned a member (issue 17); notify tells them once per key. */
export const COMMENT_MENTIONED_CHANNEL = "comment.mentioned";
export const commentMentionedEventSchema = z.object({
  key: z.string().min(1),
  commentId: z.uuid(),
  taskId: z.uuid(),
  projectId: z.uuid().nullable(),
  ownerId: z.uuid(),
  authorId: z.uuid(),
  recipientId: z.uuid(),
  title: z.string(),
  timezone: z.string(),
});
export type CommentMentionedEvent = z.infer<typeof commentMentionedEventSchema>;

/**
 * Durable channels: a comment was written, edited or deleted. Search indexes comment text for
 * the task's readers, webhooks deliver `comment.created`. `key` is unique per change.
 */
export const COMMENT_CHANNELS = { created: "comment.created", updated: "comment.updated", deleted: "comment.deleted" } as const;
export type CommentChannel = (typeof COMMENT_CHANNELS)[keyof typeof COMMENT_CHANNELS];
export const commentEventSchema = z.object({
  key: z.string().min(1),
  commentId: z.uuid(),
  taskId: z.uuid(),
  projectId: z.uuid().nullable(),
  ownerId: z.uuid().meta({ description: "the task's owner" }),
  authorId: z.uuid(),
  /** Empty for a deletion. */
  text: z.string(),
  mentions: z.array(z.uuid()),
  createdAt: instant,
  updatedAt: instant,
  version: z.int().min(1),
});
export type CommentEvent = z.infer<typeof commentEventSchema>;

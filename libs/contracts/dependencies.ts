import { z } from "zod";
import { instant } from "./time";

/** Durable channel: a task's last open blocker was completed (issue 17). */
export const TASK_UNBLOCKED_CHANNEL = "task.unblocked";

/**
 * Published in the completion's transaction; notify tells `recipientId` (the blocked task's
 * assignee, else its owner) once per `key` (the blocked task and the completion that freed it).
 */
export const taskUnblockedEventSchema = z.object({
  key: z.string().min(1),
  taskId: z.uuid(),
  /** The blocker whose completion freed it. */
  blockerId: z.uuid(),
  ownerId: z.uuid(),
  recipientId: z.uuid(),
  projectId: z.uuid().nullable(),
  title: z.string(),
  dueAt: instant.nullable(),
  timezone: z.string(),
  occurredAt: instant,
});
export type TaskUnblockedEvent = z.infer<typeof taskUnblockedEventSchema>;

/** At most this many blockers per task: a checklist of prerequisites, not a graph database. */
export const MAX_BLOCKERS = 50;

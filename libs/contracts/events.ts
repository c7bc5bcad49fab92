import { z } from "zod";
import { CHANNELS } from "./reminders";
import { taskSchema } from "./tasks";
import { instant } from "./time";

/** Durable channels (JetStream in distributed mode). */
export const TASK_CHANNELS = {
  created: "task.created",
  updated: "task.updated",
  deleted: "task.deleted",
  completed: "task.completed",
} as const;
export type TaskChannel = (typeof TASK_CHANNELS)[keyof typeof TASK_CHANNELS];

export const REMINDER_DUE_CHANNEL = "reminder.due";

/**
 * A task change as published from the outbox. `key` is unique per change, so consumers
 * deduplicate redeliveries; `version` orders changes of one task.
 */
export const taskEventSchema = z.object({
  key: z.string().min(1),
  type: z.enum(Object.values(TASK_CHANNELS) as [TaskChannel, ...TaskChannel[]]),
  taskId: z.uuid(),
  ownerId: z.uuid(),
  version: z.int().min(1),
  occurredAt: instant,
  /** The IANA zone the task's times are read in: its recurrence's, else its owner's. */
  timezone: z.string(),
  /** The task after the change; null once deleted. */
  task: taskSchema.nullable(),
});
export type TaskEvent = z.infer<typeof taskEventSchema>;

/**
 * One reminder occurrence that came due. `key` (reminder id + fire instant) is the same
 * however often it is published, so notify creates one notification per key.
 */
export const reminderDueEventSchema = z.object({
  key: z.string().min(1),
  taskId: z.uuid(),
  reminderId: z.uuid(),
  ownerId: z.uuid(),
  /** Who is notified: the assignee, else the owner. */
  recipientId: z.uuid(),
  /**
   * The task's project when the reminder was planned (null: a personal task). Absent on
   * events from before it was carried: the recipient check then asks tasks.
   */
  projectId: z.uuid().nullable().optional(),
  title: z.string(),
  dueAt: instant.nullable(),
  /** The due instant of the occurrence the reminder belongs to. */
  occurrenceAt: instant.nullable(),
  fireAt: instant,
  firedAt: instant,
  /** Fired more than a minute after its time (the scheduler was down or behind). */
  late: z.boolean(),
  snoozed: z.boolean(),
  channels: z.array(z.enum(CHANNELS)),
  timezone: z.string(),
});
export type ReminderDueEvent = z.infer<typeof reminderDueEventSchema>;

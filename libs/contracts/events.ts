import type { Channel } from "./reminders";
import type { TaskDto } from "./tasks";

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
export interface TaskEvent {
  key: string;
  type: TaskChannel;
  taskId: string;
  ownerId: string;
  version: number;
  occurredAt: string;
  /** The IANA zone the task's times are read in: its recurrence's, else its owner's. */
  timezone: string;
  /** The task after the change; null once deleted. */
  task: TaskDto | null;
}

/**
 * One reminder occurrence that came due. `key` (reminder id + fire instant) is the same
 * however often it is published, so notify creates one notification per key.
 */
export interface ReminderDueEvent {
  key: string;
  taskId: string;
  reminderId: string;
  ownerId: string;
  /** Who is notified: the assignee, else the owner. */
  recipientId: string;
  title: string;
  dueAt: string | null;
  /** The due instant of the occurrence the reminder belongs to. */
  occurrenceAt: string | null;
  fireAt: string;
  firedAt: string;
  /** Fired more than a minute after its time (the scheduler was down or behind). */
  late: boolean;
  snoozed: boolean;
  channels: Channel[];
  timezone: string;
}

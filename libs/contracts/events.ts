import type { TaskDto } from "./tasks";

/** Durable channels (JetStream in distributed mode). */
export const TASK_CHANNELS = {
  created: "task.created",
  updated: "task.updated",
  deleted: "task.deleted",
  completed: "task.completed",
} as const;
export type TaskChannel = (typeof TASK_CHANNELS)[keyof typeof TASK_CHANNELS];

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
  /** The task after the change; null once deleted. */
  task: TaskDto | null;
}

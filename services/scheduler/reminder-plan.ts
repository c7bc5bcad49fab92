import type { Channel, TaskEvent } from "../../libs/contracts";
import { applyOffset, parseOffset } from "../../libs/recurrence";

/** One reminder occurrence that should fire. */
export interface PlannedJob {
  key: string;
  reminderId: string;
  occurrenceAt: Date | null;
  fireAt: Date;
  channels: Channel[];
}

export const jobKey = (reminderId: string, fireAt: Date) => `${reminderId}@${fireAt.toISOString()}`;

/**
 * The reminders a task wants after a change: only for its current occurrence, only while
 * it is not done, and only those still ahead of the change itself (a reminder whose time
 * had passed when it was set is not "missed", it was never due).
 */
export function planReminders(event: TaskEvent): PlannedJob[] {
  const task = event.task;
  if (!task || task.status === "done") return [];
  const changedAt = new Date(event.occurredAt);
  const due = task.dueAt ? new Date(task.dueAt) : null;
  const jobs: PlannedJob[] = [];
  for (const reminder of task.reminders ?? []) {
    let fireAt: Date | null = null;
    if (reminder.at) fireAt = new Date(reminder.at);
    else if (reminder.offset && due) fireAt = applyOffset(due, parseOffset(reminder.offset), event.timezone);
    if (!fireAt || fireAt < changedAt) continue;
    jobs.push({ key: jobKey(reminder.id, fireAt), reminderId: reminder.id, occurrenceAt: due, fireAt, channels: reminder.channels });
  }
  return jobs;
}

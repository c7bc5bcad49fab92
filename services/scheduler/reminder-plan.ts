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
 * How far before a change a reminder may fall due and still be the user's "now": the change's
 * instant is when the tasks service committed it, which a slow request (a NATS server lost, a
 * failover) puts seconds after the user asked for a reminder a second ahead. Such a reminder
 * fires at once (flagged late when it is); one set further in the past was never due.
 */
export const SET_GRACE_MS = 60_000;

/**
 * The reminders a task wants after a change: only for its current occurrence, only while it is
 * not done, and only those still ahead of the change itself (within SET_GRACE_MS), or already
 * waiting to fire: `stillPending` are the keys planned before and not fired yet, which an edit
 * while the scheduler is behind must not cancel.
 */
export function planReminders(event: TaskEvent, stillPending: ReadonlySet<string> = new Set()): PlannedJob[] {
  const task = event.task;
  if (!task || task.status === "done") return [];
  const dueFrom = new Date(event.occurredAt).getTime() - SET_GRACE_MS;
  const due = task.dueAt ? new Date(task.dueAt) : null;
  const jobs: PlannedJob[] = [];
  for (const reminder of task.reminders ?? []) {
    let fireAt: Date | null = null;
    if (reminder.at) fireAt = new Date(reminder.at);
    else if (reminder.offset && due) fireAt = applyOffset(due, parseOffset(reminder.offset), event.timezone);
    if (!fireAt) continue;
    const key = jobKey(reminder.id, fireAt);
    if (fireAt.getTime() < dueFrom && !stillPending.has(key)) continue;
    jobs.push({ key, reminderId: reminder.id, occurrenceAt: due, fireAt, channels: reminder.channels });
  }
  return jobs;
}

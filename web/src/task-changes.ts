import type { Task, TaskInput } from "./types";

const sameInstant = (a: string | null, b: string | null) => (a === null || b === null ? a === b : Date.parse(a) === Date.parse(b));
const reminderKey = (r: { id?: string; offset?: string; at?: string; channels: string[] }) =>
  JSON.stringify([r.id ?? null, r.offset ?? null, r.at ? Date.parse(r.at) : null, [...r.channels].sort()]);

/**
 * Only what the form changed: a PATCH naming `dueAt` or `recurrence` restarts the series
 * from the current due date, so an unchanged one must not be sent back.
 */
export function changes(input: TaskInput, task: Task): Partial<TaskInput> {
  const out: Partial<TaskInput> = {};
  if (input.title !== task.title) out.title = input.title;
  if (input.description !== task.description) out.description = input.description;
  if (input.priority !== task.priority) out.priority = input.priority;
  if (input.status !== undefined && input.status !== task.status) out.status = input.status;
  if (!sameInstant(input.dueAt, task.dueAt)) out.dueAt = input.dueAt;
  if (input.tags.join() !== task.tags.join()) out.tags = input.tags;
  const rec = input.recurrence;
  const old = task.recurrence;
  if (rec ? !old || rec.rrule !== old.rrule || rec.from !== old.from : old) out.recurrence = rec;
  if (input.reminders.map(reminderKey).join() !== task.reminders.map(reminderKey).join()) out.reminders = input.reminders;
  if (input.blockedBy && input.blockedBy.join() !== (task.blockedBy ?? []).join()) out.blockedBy = input.blockedBy;
  return out;
}

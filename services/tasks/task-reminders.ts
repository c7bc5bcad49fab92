import { randomUUID } from "node:crypto";
import { MAX_REMINDERS, type AuthMeta, type ReminderDto, type ReminderInput } from "../../libs/contracts";
import { FieldError, NotFoundError, ValidationError } from "../../libs/errors";
import { applyOffset, parseOffset } from "../../libs/recurrence";
import { DAY_MS, inInstantRange } from "../../libs/time";
import type { Trx } from "../../libs/db";
import type { TaskWriter } from "./task-writer";

/**
 * Turns requested reminders into stored ones: new ones get ids, an id the task already has
 * keeps it, an offset needs a due date to be relative to.
 */
export function normaliseReminders(inputs: ReminderInput[], current: ReminderDto[], dueAt: Date | string | null, path: string): ReminderDto[] {
  const errors: FieldError[] = [];
  const known = new Set(current.map((r) => r.id));
  const out = inputs.map((input, i): ReminderDto => {
    if (input.id && !known.has(input.id)) errors.push({ path: `${path}.${i}.id`, message: "is not a reminder of this task" });
    if (input.offset !== undefined) {
      if (!dueAt) errors.push({ path: `${path}.${i}.offset`, message: "needs the task to have a dueAt" });
      try {
        const offset = parseOffset(input.offset);
        // The scheduler applies it in the owner's zone; a day of slack covers any zone's shift.
        const due = dueAt ? new Date(dueAt) : null;
        const fire = due ? applyOffset(due, offset, "UTC").getTime() : NaN;
        if (due && !(inInstantRange(fire - DAY_MS) && inInstantRange(fire + DAY_MS))) {
          errors.push({ path: `${path}.${i}.offset`, message: "lands outside the years 0001 to 9999 from this task's dueAt" });
        }
      } catch (err) {
        errors.push({ path: `${path}.${i}.offset`, message: (err as Error).message });
      }
      return { id: input.id ?? randomUUID(), offset: input.offset, channels: input.channels };
    }
    return { id: input.id ?? randomUUID(), at: new Date(input.at!).toISOString(), channels: input.channels };
  });
  if (out.length > MAX_REMINDERS) errors.push({ path, message: `at most ${MAX_REMINDERS} reminders per task` });
  if (errors.length) throw new ValidationError("Invalid reminders", errors);
  return out;
}

export class TaskReminders {
  constructor(private readonly writer: TaskWriter) {}

  async add(auth: AuthMeta, taskId: string, input: ReminderInput, idempotencyKey?: string): Promise<ReminderDto> {
    let added!: ReminderDto;
    const addIn = async (trx: Trx) => {
      return this.writer.changeIn(
        trx,
        auth,
        taskId,
        { action: "update" },
        (row) => {
          if (row.reminders.length >= MAX_REMINDERS) {
            throw new ValidationError("Too many reminders", [{ path: "body", message: `at most ${MAX_REMINDERS} reminders per task` }]);
          }
          [added] = normaliseReminders([{ ...input, id: undefined }], row.reminders, row.due_at, "body");
          return { reminders: [...row.reminders, added] };
        },
        () => added,
      );
    };
    return (await this.writer.creating(auth, "reminders", idempotencyKey, { taskId, input }, addIn)).response;
  }

  async remove(auth: AuthMeta, taskId: string, reminderId: string): Promise<void> {
    await this.writer.change(auth, taskId, { action: "update" }, (row) => {
      if (!row.reminders.some((r) => r.id === reminderId)) throw new NotFoundError(`reminder ${reminderId} not found`);
      return { reminders: row.reminders.filter((r) => r.id !== reminderId) };
    });
  }
}

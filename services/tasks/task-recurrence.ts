import { randomUUID } from "node:crypto";
import { AuthMeta, CompleteResultDto, CompletionDto, TASK_CHANNELS } from "../../libs/contracts";
import { ValidationError } from "../../libs/errors";
import { nextOccurrence, occurrencesFrom } from "../../libs/recurrence";
import { COMPLETIONS, TaskRow, TASKS, toTaskDto } from "./task-row";
import { ChildrenChoice, descendants, isOpen, requireChildrenChoice } from "./subtasks";
import { readTask } from "./task-scope";
import type { Trx } from "../../libs/db";
import type { TaskWriter } from "./task-writer";
import { isoOrNull } from "../../libs/time";

const toCompletion = (row: { occurrence_at: Date | null; completed_at: Date }): CompletionDto => ({
  occurrenceAt: isoOrNull(row.occurrence_at),
  completedAt: isoOrNull(row.completed_at),
});

/** Completing tasks, the history of completions, and the occurrences still ahead. */
export class TaskRecurrence {
  constructor(private readonly writer: TaskWriter) {}

  /**
   * Records the completion of the current occurrence. A recurring task moves to its next
   * occurrence (status back to todo); after its last, or when it does not recur, it is done.
   * A retried request records nothing new: naming the occurrence (`occurrenceAt`) makes
   * the retry exact; without it, a task already done answers its last completion.
   */
  complete(auth: AuthMeta, id: string, occurrenceAt?: string, children?: ChildrenChoice): Promise<CompleteResultDto> {
    let completion!: CompletionDto;
    return this.writer.change(
      auth,
      id,
      { action: "complete", channel: TASK_CHANNELS.completed },
      async (row, now, trx) => {
        const current = row.due_at ? new Date(row.due_at) : null;
        if (occurrenceAt !== undefined) {
          const recorded = await trx(COMPLETIONS).where({ task_id: id, occurrence_at: new Date(occurrenceAt) }).first();
          if (recorded) {
            completion = toCompletion(recorded);
            return null;
          }
          if (!current || current.getTime() !== new Date(occurrenceAt).getTime()) {
            throw new ValidationError("Not the task's current occurrence", [
              { path: "body.occurrenceAt", message: `the current occurrence is ${isoOrNull(current) ?? "none"}` },
            ]);
          }
        }
        if (row.status === "done") {
          const last = await trx(COMPLETIONS).where({ task_id: id }).orderBy([{ column: "completed_at", order: "desc" }, { column: "occurrence_at", order: "desc" }]).first();
          completion = last ? toCompletion(last) : { occurrenceAt: isoOrNull(current), completedAt: isoOrNull(row.completed_at ?? row.updated_at) };
          return null;
        }
        const below = await descendants(trx, id);
        const open = below.filter(isOpen);
        requireChildrenChoice(open, children);
        for (const child of open) await this.completeOne(trx, child, now);
        await trx(COMPLETIONS).insert({ id: randomUUID(), task_id: id, occurrence_at: current, completed_at: now });
        completion = { occurrenceAt: isoOrNull(current), completedAt: now.toISOString() };
        const changes = advance(row, current, now);
        // The next occurrence of a recurring parent starts with its subtasks open again.
        const reopen: string[] = changes.status === "todo" && below.length ? await trx(TASKS).whereIn("id", below.map((d) => d.id)).where({ status: "done" }).pluck("id") : [];
        if (reopen.length) await this.writer.write(trx, { kind: "update", where: { ids: reopen }, set: { status: "todo", completed_at: null } }, now);
        return changes;
      },
      (updated) => ({ task: toTaskDto(updated), completion }),
    );
  }

  /** A subtask completed with its parent: its own completion recorded as if completed alone. */
  private async completeOne(trx: Trx, row: TaskRow, now: Date): Promise<void> {
    const current = row.due_at ? new Date(row.due_at) : null;
    await trx(COMPLETIONS).insert({ id: randomUUID(), task_id: row.id, occurrence_at: current, completed_at: now });
    await this.writer.write(trx, { kind: "update", where: { id: row.id }, set: advance(row, current, now), channel: TASK_CHANNELS.completed }, now);
  }

  async completions(auth: AuthMeta, id: string): Promise<CompletionDto[]> {
    await readTask(this.writer.db, auth, id);
    const rows = await this.writer.db(COMPLETIONS).where({ task_id: id }).orderBy([{ column: "completed_at", order: "desc" }, { column: "occurrence_at", order: "desc" }]).limit(1000);
    return rows.map(toCompletion);
  }

  /** The occurrences from the current due date on: the due date alone for a task that does not recur. */
  async occurrences(auth: AuthMeta, id: string, limit: number): Promise<string[]> {
    const row = await readTask(this.writer.db, auth, id);
    if (!row.due_at) return [];
    const due = new Date(row.due_at);
    if (!row.recurrence) return [due.toISOString()];
    return occurrencesFrom(row.recurrence, new Date(row.dtstart ?? due), due, limit, row.completed_count).map((d) => d.toISOString());
  }
}

function advance(row: TaskRow, current: Date | null, now: Date): Partial<TaskRow> {
  const completedCount = row.completed_count + 1;
  const finished = { status: "done" as const, completed_at: now, completed_count: completedCount };
  if (!row.recurrence || !current) return finished;
  const next = nextOccurrence(row.recurrence, new Date(row.dtstart ?? current), current, now, completedCount);
  if (!next) return finished;
  // The start date keeps its distance to the due date.
  const shift = next.getTime() - current.getTime();
  return {
    due_at: next,
    start_at: row.start_at ? new Date(new Date(row.start_at).getTime() + shift) : null,
    status: "todo",
    completed_at: null,
    completed_count: completedCount,
  };
}

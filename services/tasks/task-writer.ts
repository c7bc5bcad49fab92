import { randomUUID } from "node:crypto";
import type { Action } from "../../libs/authz";
import type { Clock } from "../../libs/clock";
import { AuthMeta, TASK_CHANNELS, TaskChannel, TaskEvent } from "../../libs/contracts";
import type { Db, Trx } from "../../libs/db";
import { runIdempotent } from "../../libs/idempotency";
import { enqueue } from "../../libs/outbox";
import { TASKS_SCHEMA } from "./migrations";
import { lockForChange } from "./task-scope";
import { TaskRow, TASKS, toTaskDto } from "./task-row";

/** Writes the changes' events to the outbox in the changes' own transaction, in one insert. */
export async function emitTaskEvent(trx: Trx, clock: Clock, type: TaskChannel, rows: TaskRow | TaskRow[]): Promise<void> {
  const deleted = type === TASK_CHANNELS.deleted;
  const occurredAt = clock.now().toISOString();
  const events = (Array.isArray(rows) ? rows : [rows]).map(
    (row): TaskEvent => ({
      key: randomUUID(),
      type,
      taskId: row.id,
      ownerId: row.owner_id,
      // A deletion outranks every earlier version, so a late update cannot resurrect the task.
      version: deleted ? row.version + 1 : row.version,
      occurredAt,
      timezone: row.timezone,
      task: deleted ? null : toTaskDto(row),
    }),
  );
  await enqueue(trx, TASKS_SCHEMA, type, events.map((e) => ({ ...e })), clock);
}

type Compute = (row: TaskRow, now: Date, trx: Trx) => Promise<Partial<TaskRow> | null> | Partial<TaskRow> | null;

export interface ChangeOptions {
  action: Action;
  expectedVersion?: number;
  channel?: TaskChannel;
}

/**
 * The one way a task changes: lock it under the caller's rules, compute the new columns,
 * bump the version, write the event, all in one transaction; then wake the relay.
 */
export class TaskWriter {
  constructor(
    readonly db: Db,
    readonly clock: Clock,
    private readonly onEventsCommitted: () => void,
  ) {}

  async change<T = TaskRow>(
    auth: AuthMeta,
    id: string,
    options: ChangeOptions,
    compute: Compute,
    answer: (updated: TaskRow, before: TaskRow) => T = (updated) => updated as T,
  ): Promise<T> {
    const { result, changed } = await this.db.transaction((trx) => this.changeIn(trx, auth, id, options, compute, answer));
    if (changed) this.onEventsCommitted();
    return result;
  }

  /** `change` inside the caller's transaction; the caller wakes the relay after its commit. */
  async changeIn<T>(
    trx: Trx,
    auth: AuthMeta,
    id: string,
    options: ChangeOptions,
    compute: Compute,
    answer: (updated: TaskRow, before: TaskRow) => T,
  ): Promise<{ result: T; changed: boolean }> {
    const row = await lockForChange(trx, auth, options.action, id, options.expectedVersion);
    const now = this.clock.now();
    const changes = await compute(row, now, trx);
    // null: nothing to change (a retried request); answer from the row as it is.
    if (changes === null) return { result: answer(row, row), changed: false };
    const [updated] = await trx<TaskRow>(TASKS)
      .where({ id })
      .update({ ...serialise(changes), updated_at: now, version: row.version + 1 })
      .returning("*");
    await emitTaskEvent(trx, this.clock, options.channel ?? TASK_CHANNELS.updated, updated!);
    return { result: answer(updated!, row), changed: true };
  }

  /**
   * A write that creates something, in one transaction: with an Idempotency-Key the same
   * caller's repeat within 24 h gets the first response and creates nothing. Keys are kept
   * per kind of creation (`scope`), so one key names one request.
   */
  async creating<T>(
    auth: AuthMeta,
    scope: string,
    key: string | undefined,
    request: unknown,
    work: (trx: Trx) => Promise<T>,
  ): Promise<{ response: T; replayed: boolean }> {
    const outcome = await this.db.transaction(async (trx) => {
      if (!key) return { response: await work(trx), replayed: false };
      return runIdempotent(trx, TASKS_SCHEMA, { userId: auth.userId, key: `${scope}:${key}`, request }, this.clock, () => work(trx));
    });
    if (!outcome.replayed) this.onEventsCommitted();
    return outcome;
  }

  committed(): void {
    this.onEventsCommitted();
  }
}

/** jsonb columns go to Postgres as JSON text. */
export function serialise(changes: Partial<TaskRow>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...changes };
  if (changes.recurrence !== undefined) out.recurrence = changes.recurrence === null ? null : JSON.stringify(changes.recurrence);
  if (changes.reminders !== undefined) out.reminders = JSON.stringify(changes.reminders);
  return out;
}

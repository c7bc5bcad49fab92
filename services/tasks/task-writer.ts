import { randomUUID } from "node:crypto";
import type { Action } from "../../libs/authz";
import type { Clock } from "../../libs/clock";
import { AuthMeta, ChannelName, PayloadOf, TASK_CHANNELS, TASK_UNBLOCKED_CHANNEL, TaskChannel, TaskEvent } from "../../libs/contracts";
import type { Knex } from "knex";
import type { Db, Trx } from "../../libs/db";
import { runIdempotent } from "../../libs/idempotency";
import { enqueue } from "../../libs/outbox";
import { TASKS_SCHEMA } from "./migrations";
import { TaskRow, TASKS, toTaskDto } from "./task-row";
import { lockForChange } from "./task-scope";
import { parentsTouched, refreshProgress } from "./subtasks";
import { dependentsOf, unblockedEvent } from "./dependencies";
import { recordHistory, taskEntries } from "./history";

/** The tasks one write touches: one by id, a subtree by ids, a project's (those assigned to one member, say), or an owner's (erasing an account). Never all. */
export type TaskFilter = { id: string } | { ids: string[] } | { project_id: string; assignee_id?: string } | { owner_id: string };

/** A new task's columns; the writer stamps its times and its first version, and keeps its progress. */
export type NewTask = Omit<TaskRow, "created_at" | "updated_at" | "version" | "parent_id" | "position" | "children_total" | "children_done" | "blocked_by" | "blocked"> &
  Partial<Pick<TaskRow, "parent_id" | "position" | "blocked_by" | "blocked">>;

/** Narrows a query to the write's tasks. */
function where(q: Knex.QueryBuilder, filter: TaskFilter): Knex.QueryBuilder {
  return "ids" in filter ? q.whereIn("id", filter.ids) : q.where(filter);
}

/** What a change that keeps the task is published as. */
type ChangeChannel = typeof TASK_CHANNELS.updated | typeof TASK_CHANNELS.completed;

export type TaskWrite =
  | { kind: "create"; task: NewTask }
  | { kind: "update"; where: TaskFilter; set: Partial<TaskRow>; channel?: ChangeChannel }
  | { kind: "delete"; where: TaskFilter };

type Compute = (row: TaskRow, now: Date, trx: Trx) => Promise<Partial<TaskRow> | null> | Partial<TaskRow> | null;

export interface ChangeOptions {
  action: Action;
  expectedVersion?: number;
  channel?: ChangeChannel;
}

/**
 * The one way tasks change. Every write, of one task or of a whole project's, goes through
 * `write`, which bumps each row's version and records its event in the same transaction;
 * the relay is woken once a transaction that recorded events has committed.
 */
export class TaskWriter {
  /** Transactions that recorded events: only their commit has anything for the relay. */
  private readonly recorded = new WeakSet<Trx>();
  /** Who acts in a transaction, for its history entries. */
  private readonly actors = new WeakMap<Trx, string>();

  constructor(
    readonly db: Db,
    readonly clock: Clock,
    private readonly onEventsCommitted: () => void,
  ) {}

  /** Runs `work` in one transaction, then wakes the relay if it recorded task events. */
  async transaction<T>(work: (trx: Trx) => Promise<T>, actorId?: string): Promise<T> {
    let recorded = false;
    const result = await this.db.transaction(async (trx) => {
      if (actorId) this.actors.set(trx, actorId);
      const out = await work(trx);
      recorded = this.recorded.has(trx);
      return out;
    });
    if (recorded) this.onEventsCommitted();
    return result;
  }

  /**
   * Applies one write in the caller's transaction and records one event per task it touched
   * (the outbox inserts them in bounded batches, so a whole project's tasks are no burden).
   * Each task's version goes up by one, a deleted task's too: its deletion event outranks
   * every earlier version, so a late update cannot resurrect it. Returns the rows as written
   * (a deleted row at the version its event carries).
   */
  async write(trx: Trx, write: TaskWrite, now: Date = this.clock.now()): Promise<TaskRow[]> {
    let rows: TaskRow[];
    let channel: TaskChannel;
    // Reparented tasks leave a parent whose progress changes too: read it before the update.
    const formerParents = write.kind === "update" && write.set.parent_id !== undefined ? await parentsTouched(where(trx(TASKS), write.where)) : [];
    // History records each field from → to: the rows as they were.
    const before = new Map<string, TaskRow>();
    if (write.kind === "update") for (const row of (await where(trx<TaskRow>(TASKS), write.where).select("*")) as TaskRow[]) before.set(row.id, row);
    if (write.kind === "create") {
      rows = await trx<TaskRow>(TASKS)
        .insert(serialise({ ...write.task, created_at: now, updated_at: now, version: 1 }) as Partial<TaskRow>)
        .returning("*");
      channel = TASK_CHANNELS.created;
    } else if (write.kind === "update") {
      rows = await where(trx<TaskRow>(TASKS), write.where)
        .update({ ...serialise(write.set), updated_at: now, version: trx.raw("version + 1") })
        .returning("*");
      channel = write.channel ?? TASK_CHANNELS.updated;
    } else {
      const deleted: TaskRow[] = await where(trx<TaskRow>(TASKS), write.where).delete().returning("*");
      rows = deleted.map((row) => ({ ...row, version: row.version + 1 }));
      channel = TASK_CHANNELS.deleted;
    }
    if (rows.length === 0) return rows;
    const occurredAt = now.toISOString();
    const events = rows.map(
      (row): TaskEvent => ({
        key: randomUUID(),
        type: channel,
        taskId: row.id,
        ownerId: row.owner_id,
        version: row.version,
        occurredAt,
        timezone: row.timezone,
        task: channel === TASK_CHANNELS.deleted ? null : toTaskDto(row),
      }),
    );
    await enqueue(trx, TASKS_SCHEMA, channel, events.map((e) => ({ ...e })), this.clock);
    this.recorded.add(trx);
    await recordHistory(trx, taskEntries(write.kind, channel === TASK_CHANNELS.completed, before, rows, this.actorOf(trx), now));
    // A parent's progress counts its children's statuses: kept here, so no write path forgets it.
    const countsChanged = write.kind !== "update" || write.set.status !== undefined || write.set.parent_id !== undefined;
    if (countsChanged) {
      const parents = new Set([...formerParents, ...rows.flatMap((r) => (r.parent_id ? [r.parent_id] : []))]);
      for (const change of await refreshProgress(trx, [...parents])) {
        await this.write(trx, { kind: "update", where: { id: change.id }, set: change.set }, now);
      }
    }
    // Tasks waiting for these ones: blocked again, or free; told when a completion freed them.
    if (write.kind === "delete" || (write.kind === "update" && write.set.status !== undefined)) {
      // A completion that left a task open advanced a recurring task to its next occurrence.
      const advanced = channel === TASK_CHANNELS.completed ? rows.filter((r) => r.status !== "done").map((r) => r.id) : [];
      for (const change of await dependentsOf(trx, rows, write.kind === "delete", advanced)) {
        const [dependent] = await this.write(trx, { kind: "update", where: { id: change.id }, set: change.set }, now);
        if (dependent && change.freedBy) await this.publish(trx, TASK_UNBLOCKED_CHANNEL, unblockedEvent(dependent, change.freedBy, now));
      }
    }
    return rows;
  }

  /** Who acts in this transaction (null: the system, or a path that does not say). */
  actorOf(trx: Trx): string | null {
    return this.actors.get(trx) ?? null;
  }

  /**
   * Records an event that is not a task's (an invitation, say) in the tasks outbox, in the
   * caller's transaction; the relay is woken when it commits, as for task events.
   */
  async publish<C extends ChannelName>(trx: Trx, channel: C, payloads: PayloadOf<C> | PayloadOf<C>[]): Promise<void> {
    await enqueue(trx, TASKS_SCHEMA, channel, payloads, this.clock);
    this.recorded.add(trx);
  }

  /**
   * One task changed by its caller: locked under their rules (and at the version they
   * expect), the new columns computed from the locked row, then written.
   */
  change<T = TaskRow>(
    auth: AuthMeta,
    id: string,
    options: ChangeOptions,
    compute: Compute,
    answer: (updated: TaskRow, before: TaskRow) => T = (updated) => updated as T,
  ): Promise<T> {
    return this.transaction((trx) => this.changeIn(trx, auth, id, options, compute, answer));
  }

  /** `change` inside the caller's transaction, which must be one of `transaction` or `creating`. */
  async changeIn<T>(
    trx: Trx,
    auth: AuthMeta,
    id: string,
    options: ChangeOptions,
    compute: Compute,
    answer: (updated: TaskRow, before: TaskRow) => T,
  ): Promise<T> {
    this.actors.set(trx, auth.userId);
    const row = await lockForChange(trx, auth, options.action, id, options.expectedVersion);
    const now = this.clock.now();
    const changes = await compute(row, now, trx);
    // null: nothing to change (a retried request); answer from the row as it is.
    if (changes === null) return answer(row, row);
    const [updated] = await this.write(trx, { kind: "update", where: { id }, set: changes, channel: options.channel }, now);
    return answer(updated!, row);
  }

  /**
   * A write that creates something, in one transaction: with an Idempotency-Key the same
   * caller's repeat within 24 h gets the first response and creates nothing. Keys are kept
   * per kind of creation (`scope`), so one key names one request.
   */
  creating<T>(
    auth: AuthMeta,
    scope: string,
    key: string | undefined,
    request: unknown,
    work: (trx: Trx) => Promise<T>,
  ): Promise<{ response: T; replayed: boolean }> {
    return this.transaction(async (trx) => {
      this.actors.set(trx, auth.userId);
      if (!key) return { response: await work(trx), replayed: false };
      return runIdempotent(trx, TASKS_SCHEMA, { userId: auth.userId, key: `${scope}:${key}`, request }, this.clock, () => work(trx));
    });
  }
}

/** jsonb columns go to Postgres as JSON text. */
function serialise(changes: Partial<TaskRow>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...changes };
  if (changes.recurrence !== undefined) out.recurrence = changes.recurrence === null ? null : JSON.stringify(changes.recurrence);
  if (changes.reminders !== undefined) out.reminders = JSON.stringify(changes.reminders);
  return out;
}

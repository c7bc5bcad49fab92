import { randomUUID } from "node:crypto";
import type { Knex } from "knex";
import { abilityFromMeta, Action, asTask, rulesToSql } from "../../libs/authz";
import type { Clock } from "../../libs/clock";
import {
  AuthMeta,
  CompleteResultDto,
  CompletionDto,
  CreateTaskInput,
  TASK_CHANNELS,
  TaskChannel,
  TaskDto,
  TaskEvent,
  UpdateTaskInput,
} from "../../libs/contracts";
import type { Db, Trx } from "../../libs/db";
import { ForbiddenError, NotFoundError, PreconditionFailedError } from "../../libs/errors";
import { runIdempotent } from "../../libs/idempotency";
import { enqueue } from "../../libs/outbox";
import { TASKS_SCHEMA } from "./migrations";
import { priorityRank, TASK_RULE_COLUMNS, TaskRow, toTaskDto } from "./task-row";

const TASKS = `${TASKS_SCHEMA}.tasks`;
const COMPLETIONS = `${TASKS_SCHEMA}.completions`;

export interface CreateResult {
  task: TaskDto;
  replayed: boolean;
}

export type CompleteResult = CompleteResultDto;

/**
 * Tasks and their history. Every query carries the caller's CASL rules as SQL, and every
 * change writes its event to the outbox in the same transaction.
 */
export class TaskStore {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    /** Called after a commit that wrote events, so the relay publishes them at once. */
    private readonly onEventsCommitted: () => void = () => undefined,
  ) {}

  async create(auth: AuthMeta, input: CreateTaskInput, idempotencyKey?: string): Promise<CreateResult> {
    const ability = abilityFromMeta(auth);
    if (!ability.can("create", asTask({ ownerId: auth.userId }))) throw new ForbiddenError("not allowed to create tasks");
    const insert = async (trx: Trx): Promise<TaskDto> => {
      const now = this.clock.now();
      const [row] = await trx(TASKS)
        .insert({
          id: randomUUID(),
          owner_id: auth.userId,
          title: input.title,
          description: input.description,
          status: input.status,
          priority: priorityRank(input.priority),
          due_at: input.dueAt,
          start_at: input.startAt,
          completed_at: input.status === "done" ? now : null,
          tags: input.tags,
          created_at: now,
          updated_at: now,
          version: 1,
        })
        .returning("*");
      const task = toTaskDto(row);
      await this.emit(trx, TASK_CHANNELS.created, task);
      return task;
    };
    const result = await this.db.transaction(async (trx) => {
      if (!idempotencyKey) return { response: await insert(trx), replayed: false };
      return runIdempotent(trx, TASKS_SCHEMA, { userId: auth.userId, key: idempotencyKey, request: input }, this.clock, () =>
        insert(trx),
      );
    });
    if (!result.replayed) this.onEventsCommitted();
    return { task: result.response, replayed: result.replayed };
  }

  async get(auth: AuthMeta, id: string): Promise<TaskDto> {
    const row = await this.scoped(this.db, auth, "read", id).first();
    if (!row) throw new NotFoundError(`task ${id} not found`);
    return toTaskDto(row);
  }

  async update(auth: AuthMeta, id: string, patch: UpdateTaskInput, expectedVersion?: number): Promise<TaskDto> {
    const task = await this.db.transaction(async (trx) => {
      const row = await this.lockForChange(trx, auth, "update", id, expectedVersion);
      const now = this.clock.now();
      const changes: Partial<TaskRow> = { updated_at: now, version: row.version + 1 };
      if (patch.title !== undefined) changes.title = patch.title;
      if (patch.description !== undefined) changes.description = patch.description;
      if (patch.priority !== undefined) changes.priority = priorityRank(patch.priority);
      if (patch.dueAt !== undefined) changes.due_at = patch.dueAt === null ? null : new Date(patch.dueAt);
      if (patch.startAt !== undefined) changes.start_at = patch.startAt === null ? null : new Date(patch.startAt);
      if (patch.tags !== undefined) changes.tags = patch.tags;
      if (patch.status !== undefined && patch.status !== row.status) {
        changes.status = patch.status;
        changes.completed_at = patch.status === "done" ? now : null;
      }
      const [updated] = await trx(TASKS).where({ id }).update(changes).returning("*");
      const dto = toTaskDto(updated);
      await this.emit(trx, TASK_CHANNELS.updated, dto);
      return dto;
    });
    this.onEventsCommitted();
    return task;
  }

  async remove(auth: AuthMeta, id: string, expectedVersion?: number): Promise<void> {
    await this.db.transaction(async (trx) => {
      const row = await this.lockForChange(trx, auth, "delete", id, expectedVersion);
      await trx(TASKS).where({ id }).delete();
      await this.emit(trx, TASK_CHANNELS.deleted, toTaskDto(row), null);
    });
    this.onEventsCommitted();
  }

  /** Completing a task that is already done answers its last completion: a retried request records nothing new. */
  async complete(auth: AuthMeta, id: string): Promise<CompleteResult> {
    let changed = false;
    const result = await this.db.transaction(async (trx) => {
      const row = await this.lockForChange(trx, auth, "complete", id);
      if (row.status === "done") {
        const last = await trx(COMPLETIONS).where({ task_id: id }).orderBy("completed_at", "desc").first();
        const completedAt = last?.completed_at ?? row.completed_at ?? row.updated_at;
        return {
          task: toTaskDto(row),
          completion: { occurrenceAt: isoOrNull(last ? last.occurrence_at : row.due_at), completedAt: new Date(completedAt).toISOString() },
        };
      }
      const now = this.clock.now();
      const [updated] = await trx(TASKS)
        .where({ id })
        .update({ status: "done", completed_at: now, updated_at: now, version: row.version + 1 })
        .returning("*");
      await trx(COMPLETIONS).insert({ id: randomUUID(), task_id: id, occurrence_at: row.due_at, completed_at: now });
      const task = toTaskDto(updated);
      await this.emit(trx, TASK_CHANNELS.completed, task);
      changed = true;
      return { task, completion: { occurrenceAt: isoOrNull(row.due_at), completedAt: now.toISOString() } };
    });
    if (changed) this.onEventsCommitted();
    return result;
  }

  async completions(auth: AuthMeta, id: string): Promise<CompletionDto[]> {
    await this.get(auth, id);
    const rows = await this.db(COMPLETIONS).where({ task_id: id }).orderBy("completed_at", "desc").limit(1000);
    return rows.map((r) => ({ occurrenceAt: isoOrNull(r.occurrence_at), completedAt: new Date(r.completed_at).toISOString() }));
  }

  /** One task, restricted to what the caller's rules allow for `action`. */
  private scoped(db: Knex | Trx, auth: AuthMeta, action: Action, id: string): Knex.QueryBuilder<TaskRow> {
    const q = db<TaskRow>(TASKS).where({ id });
    rulesToSql(q, abilityFromMeta(auth), action, "Task", TASK_RULE_COLUMNS);
    return q;
  }

  /**
   * Locks the row the caller may change. A task they may read but not change answers 403;
   * one they may not even see answers 404, so its existence does not leak.
   */
  private async lockForChange(trx: Trx, auth: AuthMeta, action: Action, id: string, expectedVersion?: number): Promise<TaskRow> {
    const row = await this.scoped(trx, auth, action, id).forUpdate().first();
    if (!row) {
      const visible = await this.scoped(trx, auth, "read", id).first();
      if (visible) throw new ForbiddenError(`not allowed to ${action} task ${id}`);
      throw new NotFoundError(`task ${id} not found`);
    }
    if (expectedVersion !== undefined && row.version !== expectedVersion) {
      throw new PreconditionFailedError(`task ${id} is at version ${row.version}, not ${expectedVersion}`);
    }
    return row;
  }

  private async emit(trx: Trx, type: TaskChannel, task: TaskDto, after: TaskDto | null = task): Promise<void> {
    const event: TaskEvent = {
      key: randomUUID(),
      type,
      taskId: task.id,
      ownerId: task.ownerId,
      version: type === TASK_CHANNELS.deleted ? task.version + 1 : task.version,
      occurredAt: this.clock.now().toISOString(),
      task: after,
    };
    await enqueue(trx, TASKS_SCHEMA, type, { ...event }, this.clock);
  }
}

function isoOrNull(d: Date | string | null | undefined): string | null {
  return d ? new Date(d).toISOString() : null;
}

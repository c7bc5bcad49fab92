import { randomUUID } from "node:crypto";
import { abilityFromMeta, asTask } from "../../libs/authz";
import { AuthMeta, CreateTaskInput, TASK_CHANNELS, TaskDto, UpdateTaskInput } from "../../libs/contracts";
import type { Trx } from "../../libs/db";
import { ForbiddenError, ValidationError } from "../../libs/errors";
import { runIdempotent } from "../../libs/idempotency";
import { parseRecurrence, Recurrence } from "../../libs/recurrence";
import { TASKS_SCHEMA } from "./migrations";
import { emitTaskEvent, lockForChange, readTask, serialise, TASKS, TaskWriter } from "./task-access";
import { normaliseReminders } from "./task-reminders";
import { priorityRank, TaskRow, toTaskDto } from "./task-row";

export interface CreateResult {
  task: TaskDto;
  replayed: boolean;
}

const needsDue = () => new ValidationError("A recurring task needs a dueAt", [{ path: "body.dueAt", message: "is required with recurrence (it is the first occurrence)" }]);

/**
 * Creating, reading, changing and deleting tasks. Every query carries the caller's CASL
 * rules as SQL, and every change writes its event to the outbox in the same transaction.
 */
export class TaskStore {
  constructor(private readonly writer: TaskWriter) {}

  async create(auth: AuthMeta, input: CreateTaskInput, idempotencyKey?: string): Promise<CreateResult> {
    if (!abilityFromMeta(auth).can("create", asTask({ ownerId: auth.userId, projectId: null }))) throw new ForbiddenError("not allowed to create tasks");
    const ownerZone = auth.timezone ?? "UTC";
    if (input.recurrence && !input.dueAt) throw needsDue();
    const recurrence = input.recurrence ? parseRecurrence(input.recurrence, ownerZone, new Date(input.dueAt!)) : null;
    const reminders = normaliseReminders(input.reminders, [], input.dueAt, "body.reminders");
    const { db, clock } = this.writer;

    const insert = async (trx: Trx): Promise<TaskDto> => {
      const now = clock.now();
      const [row] = await trx<TaskRow>(TASKS)
        .insert(
          serialise({
            id: randomUUID(),
            owner_id: auth.userId,
            title: input.title,
            description: input.description,
            status: input.status,
            priority: priorityRank(input.priority),
            due_at: input.dueAt ? new Date(input.dueAt) : null,
            start_at: input.startAt ? new Date(input.startAt) : null,
            completed_at: input.status === "done" ? now : null,
            tags: input.tags,
            recurrence,
            reminders,
            timezone: recurrence?.timezone ?? ownerZone,
            dtstart: recurrence && input.dueAt ? new Date(input.dueAt) : null,
            completed_count: 0,
            created_at: now,
            updated_at: now,
            version: 1,
          }) as Partial<TaskRow>,
        )
        .returning("*");
      await emitTaskEvent(trx, clock, TASK_CHANNELS.created, row!);
      return toTaskDto(row!);
    };
    const result = await db.transaction(async (trx) => {
      if (!idempotencyKey) return { response: await insert(trx), replayed: false };
      return runIdempotent(trx, TASKS_SCHEMA, { userId: auth.userId, key: idempotencyKey, request: input }, clock, () => insert(trx));
    });
    if (!result.replayed) this.writer.committed();
    return { task: result.response, replayed: result.replayed };
  }

  async get(auth: AuthMeta, id: string): Promise<TaskDto> {
    return toTaskDto(await readTask(this.writer.db, auth, id));
  }

  update(auth: AuthMeta, id: string, patch: UpdateTaskInput, expectedVersion?: number): Promise<TaskDto> {
    return this.writer.change(
      auth,
      id,
      { action: "update", expectedVersion },
      (row, now) => {
        const changes: Partial<TaskRow> = {};
        if (patch.title !== undefined) changes.title = patch.title;
        if (patch.description !== undefined) changes.description = patch.description;
        if (patch.priority !== undefined) changes.priority = priorityRank(patch.priority);
        if (patch.startAt !== undefined) changes.start_at = patch.startAt === null ? null : new Date(patch.startAt);
        if (patch.tags !== undefined) changes.tags = patch.tags;
        if (patch.status !== undefined && patch.status !== row.status) {
          changes.status = patch.status;
          changes.completed_at = patch.status === "done" ? now : null;
        }
        if (patch.dueAt !== undefined) changes.due_at = patch.dueAt === null ? null : new Date(patch.dueAt);
        const dueAt = changes.due_at !== undefined ? changes.due_at : row.due_at;
        let recurrence: Recurrence | null = row.recurrence;
        if (patch.recurrence !== undefined || (patch.dueAt !== undefined && recurrence)) {
          const wanted = patch.recurrence !== undefined ? patch.recurrence : recurrence;
          if (wanted && !dueAt) throw needsDue();
          // A new due date restarts the series there: the rule is checked against it again.
          recurrence = wanted ? parseRecurrence(wanted, row.timezone, dueAt) : null;
          changes.recurrence = recurrence;
          if (recurrence) changes.timezone = recurrence.timezone;
        }
        // Moving the due date of a recurring task restarts its series there.
        if (patch.recurrence !== undefined || patch.dueAt !== undefined) changes.dtstart = recurrence ? dueAt : null;
        if (patch.reminders !== undefined) changes.reminders = normaliseReminders(patch.reminders, row.reminders, dueAt, "body.reminders");
        return changes;
      },
      toTaskDto,
    );
  }

  async remove(auth: AuthMeta, id: string, expectedVersion?: number): Promise<void> {
    const { db, clock } = this.writer;
    await db.transaction(async (trx) => {
      const row = await lockForChange(trx, auth, "delete", id, expectedVersion);
      await trx(TASKS).where({ id }).delete();
      await emitTaskEvent(trx, clock, TASK_CHANNELS.deleted, row);
    });
    this.writer.committed();
  }
}

import { randomUUID } from "node:crypto";
import { abilityFromMeta, AppAbility, asTask } from "../../libs/authz";
import { AuthMeta, CreateTaskInput, priorityRank, TaskDto, UpdateTaskInput } from "../../libs/contracts";
import type { Trx } from "../../libs/db";
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from "../../libs/errors";
import { parseRecurrence, Recurrence } from "../../libs/recurrence";
import { TASKS_SCHEMA } from "./migrations";
import { normaliseReminders } from "./task-reminders";
import { TaskRow, TASKS, toTaskDto } from "./task-row";
import { blockersFor } from "./dependencies";
import { checkPlacement, descendants, heightOf, isOpen, nextPosition } from "./subtasks";
import { lockForChange, readTask, scopedTask } from "./task-scope";
import type { NewTask, TaskWriter } from "./task-writer";

/**
 * Whether the task may live in `projectId` (creating it there, or moving it there): editor
 * or owner in the project, or its own owner for a private task. A project the caller
 * cannot even see answers 404, one they only view 403.
 */
function mayPlace(ability: AppAbility, ownerId: string, projectId: string | null): void {
  if (ability.can("create", asTask({ ownerId, projectId }))) return;
  if (projectId && !ability.can("read", asTask({ ownerId, projectId }))) throw new NotFoundError(`project ${projectId} not found`);
  throw new ForbiddenError(projectId ? `not allowed to add tasks to project ${projectId}` : "only its owner can make a task private");
}

async function isAssignable(trx: Trx, projectId: string | null, ownerId: string, assigneeId: string): Promise<boolean> {
  if (!projectId) return assigneeId === ownerId;
  return Boolean(await trx(`${TASKS_SCHEMA}.project_members`).where({ project_id: projectId, user_id: assigneeId }).first());
}

/** An assignee is a member of the task's project, or the owner of a private task. */
async function checkAssignee(trx: Trx, projectId: string | null, ownerId: string, assigneeId: string | null, path: string): Promise<void> {
  if (assigneeId === null || (await isAssignable(trx, projectId, ownerId, assigneeId))) return;
  throw new ValidationError("Invalid assignee", [{ path, message: projectId ? "is not a member of the task's project" : "a private task can only be assigned to its owner" }]);
}

/** The parent a caller names: a task they can see (422 otherwise, the same for one that does not exist). */
async function parentFor(trx: Trx, auth: AuthMeta, parentId: string): Promise<TaskRow> {
  const parent = await scopedTask(trx, auth, "read", parentId).forShare().first();
  if (!parent) throw new ValidationError("Invalid parent", [{ path: "body.parentId", message: "no task you can see has this id" }]);
  return parent;
}

/** A moved task's descendants follow it; assignees without access there fall back to the owner. */
async function moveSubtree(writer: TaskWriter, trx: Trx, below: TaskRow[], projectId: string | null, now: Date): Promise<void> {
  if (below.length === 0) return;
  const keep: string[] = [];
  const unassign: string[] = [];
  for (const task of below) {
    const keeps = !task.assignee_id || (await isAssignable(trx, projectId, task.owner_id, task.assignee_id));
    (keeps ? keep : unassign).push(task.id);
  }
  if (keep.length) await writer.write(trx, { kind: "update", where: { ids: keep }, set: { project_id: projectId } }, now);
  if (unassign.length) await writer.write(trx, { kind: "update", where: { ids: unassign }, set: { project_id: projectId, assignee_id: null } }, now);
}

/** What `prepare` made of a new task's input. */
export interface PreparedTask {
  ownerZone: string;
  recurrence: Recurrence | null;
  reminders: ReturnType<typeof normaliseReminders>;
}

const needsDue = () => new ValidationError("A recurring task needs a dueAt", [{ path: "body.dueAt", message: "is required with recurrence (it is the first occurrence)" }]);

/**
 * Creating, reading, changing and deleting tasks. Every query carries the caller's CASL
 * rules as SQL, and every change writes its event to the outbox in the same transaction.
 */
/** What a CalDAV client fixes for a new task: its id (the object's name) and the iCalendar lines kept as they are. */
export interface DavFields {
  id?: string;
  davProperties?: string;
}

export class TaskStore {
  constructor(private readonly writer: TaskWriter) {}

  /** `dav`: a CalDAV object's id (its resource name) and the properties kept for it (migration 0013). */
  async create(auth: AuthMeta, input: CreateTaskInput, idempotencyKey?: string, dav: DavFields = {}): Promise<TaskDto> {
    const prepared = this.prepare(auth, input);
    const result = await this.writer.creating(auth, "tasks", idempotencyKey, input, (trx) => this.insert(trx, auth, input, prepared, dav));
    return result.response;
  }

  /** The checks of a new task that need no database (placement, recurrence, reminders): a ValidationError before any write. */
  prepare(auth: AuthMeta, input: CreateTaskInput): PreparedTask {
    if (!input.parentId) mayPlace(abilityFromMeta(auth), auth.userId, input.projectId);
    const ownerZone = auth.timezone ?? "UTC";
    if (input.recurrence && !input.dueAt) throw needsDue();
    const recurrence = input.recurrence ? parseRecurrence(input.recurrence, ownerZone, new Date(input.dueAt!)) : null;
    const reminders = normaliseReminders(input.reminders, [], input.dueAt, "body.reminders");
    return { ownerZone, recurrence, reminders };
  }

  /** Creates a prepared task in the caller's transaction (one of the writer's): the API's path, and an import's. */
  async insert(trx: Trx, auth: AuthMeta, input: CreateTaskInput, { ownerZone, recurrence, reminders }: PreparedTask, dav: DavFields = {}): Promise<TaskDto> {
    // A subtask takes its parent's project (naming another one is refused).
    const parent = input.parentId ? await parentFor(trx, auth, input.parentId) : null;
    const projectId = parent ? parent.project_id : input.projectId;
    if (parent) {
      if (input.projectId && input.projectId !== projectId) throw new ValidationError("Invalid project", [{ path: "body.projectId", message: "a subtask lives in its parent's project" }]);
      mayPlace(abilityFromMeta(auth), auth.userId, projectId);
      await checkPlacement(trx, parent, { owner_id: auth.userId, project_id: projectId }, 1);
    }
    await checkAssignee(trx, projectId, auth.userId, input.assigneeId, "body.assigneeId");
    const now = this.writer.clock.now();
    const id = dav.id ?? randomUUID();
    if (dav.id && (await trx(TASKS).where({ id }).first())) throw new ConflictError(`a task with id ${id} exists`);
    const task: NewTask = {
      ...(input.blockedBy?.length ? await blockersFor(trx, auth, id, input.blockedBy) : {}),
      id,
      owner_id: auth.userId,
      project_id: projectId,
      assignee_id: input.assigneeId,
      parent_id: parent?.id ?? null,
      position: input.position ?? (parent ? await nextPosition(trx, parent.id) : 0),
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
      ...(dav.davProperties ? { dav_properties: dav.davProperties } : {}),
    };
    const [row] = await this.writer.write(trx, { kind: "create", task }, now);
    return toTaskDto(row!);
  }

  async get(auth: AuthMeta, id: string): Promise<TaskDto> {
    return toTaskDto(await readTask(this.writer.db, auth, id));
  }

  update(auth: AuthMeta, id: string, patch: UpdateTaskInput, expectedVersion?: number, davProperties?: string | null): Promise<TaskDto> {
    return this.writer.change(
      auth,
      id,
      { action: "update", expectedVersion },
      async (row, now, trx) => {
        const changes: Partial<TaskRow> = {};
        const ability = abilityFromMeta(auth);
        const reparent = patch.parentId !== undefined && patch.parentId !== row.parent_id;
        const parent = reparent && patch.parentId ? await parentFor(trx, auth, patch.parentId) : null;
        // Placed under a parent elsewhere, the task follows it into its project.
        const projectId = patch.projectId !== undefined ? patch.projectId : parent ? parent.project_id : row.project_id;
        const below = reparent || projectId !== row.project_id || patch.status === "done" ? await descendants(trx, row.id) : [];
        if (reparent) {
          if (parent) await checkPlacement(trx, parent, { id: row.id, owner_id: row.owner_id, project_id: projectId }, heightOf(below));
          changes.parent_id = parent?.id ?? null;
          if (patch.position === undefined) changes.position = parent ? await nextPosition(trx, parent.id) : 0;
        } else if (row.parent_id && projectId !== row.project_id) {
          throw new ValidationError("Invalid project", [{ path: "body.projectId", message: "a subtask moves with its parent; detach it first (parentId: null)" }]);
        }
        if (patch.position !== undefined) changes.position = patch.position;
        if (patch.blockedBy !== undefined) Object.assign(changes, await blockersFor(trx, auth, row.id, patch.blockedBy));
        if (projectId !== row.project_id) {
          // The subtree moves with it, each task under the same rules as if moved alone.
          for (const task of [row, ...below]) {
            if (task.project_id && !ability.can("move", asTask({ ownerId: task.owner_id, projectId: task.project_id }))) {
              throw new ForbiddenError("only the task's owner or the project's owner can move it out of the project");
            }
            mayPlace(ability, task.owner_id, projectId);
          }
          changes.project_id = projectId;
          await moveSubtree(this.writer, trx, below, projectId, now);
        }
        if (patch.assigneeId !== undefined) {
          await checkAssignee(trx, projectId, row.owner_id, patch.assigneeId, "body.assigneeId");
          changes.assignee_id = patch.assigneeId;
        } else if (projectId !== row.project_id && row.assignee_id && !(await isAssignable(trx, projectId, row.owner_id, row.assignee_id))) {
          // Moved where its assignee has no access: the reminder goes back to the owner.
          changes.assignee_id = null;
        }
        if (patch.title !== undefined) changes.title = patch.title;
        if (patch.description !== undefined) changes.description = patch.description;
        if (patch.priority !== undefined) changes.priority = priorityRank(patch.priority);
        if (patch.startAt !== undefined) changes.start_at = patch.startAt === null ? null : new Date(patch.startAt);
        if (patch.tags !== undefined) changes.tags = patch.tags;
        if (patch.status !== undefined && patch.status !== row.status) {
          if (patch.status === "done" && below.some(isOpen)) {
            throw new ConflictError('the task has open subtasks: complete it with POST /tasks/:id/complete {"children": "complete"}');
          }
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
        if (davProperties !== undefined) changes.dav_properties = davProperties;
        return changes;
      },
      toTaskDto,
    );
  }

  /** Deletes the task; one with subtasks only with `children: "delete"` (409 otherwise), its whole subtree then. */
  async remove(auth: AuthMeta, id: string, expectedVersion?: number, children?: "delete"): Promise<void> {
    await this.writer.transaction(async (trx) => {
      await lockForChange(trx, auth, "delete", id, expectedVersion);
      const below = await descendants(trx, id);
      if (below.length && children !== "delete") {
        throw new ConflictError(`the task has ${below.length} subtask(s): delete them too with ?children=delete`);
      }
      // One event per task: the scheduler cancels each one's reminders.
      await this.writer.write(trx, below.length ? { kind: "delete", where: { ids: [id, ...below.map((d) => d.id)] } } : { kind: "delete", where: { id } });
    }, auth.userId);
  }
}

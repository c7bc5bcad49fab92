import { randomUUID } from "node:crypto";
import { abilityFromMeta, Action, asProject, Membership, ProjectRole } from "../../libs/authz";
import { AuthMeta, PROJECT_MEMBERSHIP_CHANNEL, ProjectDto, ProjectInput } from "../../libs/contracts";
import type { Db, Trx } from "../../libs/db";
import { DEFAULT_SHARING_LIMITS, type SharingLimits } from "../../libs/config";
import { ForbiddenError, NotFoundError, RateLimitedError, ValidationError } from "../../libs/errors";
import type { CursorCodec } from "../../libs/task-query";
import { TASKS_SCHEMA } from "./migrations";
import { TaskRow, TASKS } from "./task-row";
import type { TaskWriter } from "./task-writer";
import { membershipEntry, recordHistory } from "./history";

export const PROJECTS = `${TASKS_SCHEMA}.projects`;
export const MEMBERS = `${TASKS_SCHEMA}.project_members`;
/** Orders every membership change, for the consumers of project.membership (see migration 0007). */
export const MEMBERSHIP_VERSIONS = `${TASKS_SCHEMA}.membership_versions`;

/**
 * Records membership changes (`role` null: removed) as project.membership events in the
 * caller's transaction, so notify's projection of members can never miss a committed change.
 */
export async function recordMemberships(
  trx: Trx,
  writer: TaskWriter,
  changes: { projectId: string; userId: string; role: ProjectRole | null; from?: ProjectRole }[],
): Promise<void> {
  if (!changes.length) return;
  const now = writer.clock.now();
  await recordHistory(trx, changes.map((c) => membershipEntry(c.projectId, c.userId, c.from ?? null, c.role, writer.actorOf(trx), now)));
  const versions: { v: string }[] = (await trx.raw("select nextval(?) as v from generate_series(1, ?)", [MEMBERSHIP_VERSIONS, changes.length])).rows;
  await writer.publish(
    trx,
    PROJECT_MEMBERSHIP_CHANNEL,
    changes.map((c, i) => ({ key: randomUUID(), projectId: c.projectId, userId: c.userId, role: c.role, version: Number(versions[i]!.v) })),
  );
}

export interface ProjectRow {
  id: string;
  name: string;
  owner_id: string;
  created_at: Date;
  updated_at: Date;
}

const toDto = (row: ProjectRow, role: ProjectRole): ProjectDto => ({
  id: row.id,
  name: row.name,
  ownerId: row.owner_id,
  role,
  createdAt: new Date(row.created_at).toISOString(),
  updatedAt: new Date(row.updated_at).toISOString(),
});

/**
 * Projects and their members. Membership is read from this schema, so a change counts at
 * the next query; what a role may do comes from the one ability definition in libs/authz.
 */
/** Signed like task cursors, so a forged id never reaches the query (a non-UUID there would be a 500). */
const PROJECT_CURSOR = "projects";

export class ProjectStore {
  constructor(
    private readonly writer: TaskWriter,
    private readonly cursors: CursorCodec,
    private readonly limits: SharingLimits = DEFAULT_SHARING_LIMITS,
  ) {}

  private get db(): Db {
    return this.writer.db;
  }

  async memberships(userId: string): Promise<Membership[]> {
    const rows = await this.db(MEMBERS).where({ user_id: userId }).select("project_id", "role");
    return rows.map((r) => ({ projectId: r.project_id, role: r.role }));
  }

  /** Whether the user may currently see the task: the recipient check of notifications. */
  async canRead(taskId: string, userId: string): Promise<boolean> {
    const task = await this.db<TaskRow>(TASKS).where({ id: taskId }).select("owner_id", "project_id").first();
    if (!task) return false;
    if (!task.project_id) return task.owner_id === userId;
    return Boolean(await this.db(MEMBERS).where({ project_id: task.project_id, user_id: userId }).first());
  }

  async create(auth: AuthMeta, input: ProjectInput, idempotencyKey?: string): Promise<ProjectDto> {
    return (await this.writer.creating(auth, "projects", idempotencyKey, input, (trx) => this.insert(trx, auth, input))).response;
  }

  /** Creates a project in the caller's transaction (one of the writer's): the API's path, and an import's. Past the per-user limit: RateLimitedError. */
  async insert(trx: Trx, auth: AuthMeta, input: ProjectInput): Promise<ProjectDto> {
    if (!abilityFromMeta(auth).can("create", "Project")) throw new ForbiddenError("not allowed to create projects");
    // Serialises one user's creations, so concurrent requests cannot overshoot the limit.
    await trx.raw("select pg_advisory_xact_lock(hashtext(?))", [`projects-of:${auth.userId}`]);
    const [{ count }] = await trx(PROJECTS).where({ owner_id: auth.userId }).count<{ count: string }[]>({ count: "*" });
    // A count, not a rate: only deleting a project makes room, so the hint is an hour.
    if (Number(count) >= this.limits.projectsPerUser) throw new RateLimitedError(3600);
    const now = this.writer.clock.now();
    const row: ProjectRow = { id: randomUUID(), name: input.name, owner_id: auth.userId, created_at: now, updated_at: now };
    await trx(PROJECTS).insert(row);
    await trx(MEMBERS).insert({ project_id: row.id, user_id: auth.userId, role: "owner", created_at: now });
    await recordMemberships(trx, this.writer, [{ projectId: row.id, userId: auth.userId, role: "owner" }]);
    return toDto(row, "owner");
  }

  async list(auth: AuthMeta, limit: number, after?: string): Promise<{ items: ProjectDto[]; nextCursor: string | null }> {
    const q = this.db(`${PROJECTS} as p`).join(`${MEMBERS} as m`, "m.project_id", "p.id").where("m.user_id", auth.userId).select("p.*", "m.role");
    if (after) q.where("p.id", ">", this.cursors.decode(after, PROJECT_CURSOR, auth.userId, 1)[0]!);
    const rows = await q.orderBy("p.id").limit(limit + 1);
    const page = rows.slice(0, limit);
    const nextCursor = rows.length > limit ? this.cursors.encode(PROJECT_CURSOR, auth.userId, [page[page.length - 1]!.id]) : null;
    return { items: page.map((r) => toDto(r, r.role)), nextCursor };
  }

  async get(auth: AuthMeta, id: string): Promise<ProjectDto> {
    const { row, role } = await projectAccess(this.db, auth, id, "read");
    return toDto(row, role);
  }

  async rename(auth: AuthMeta, id: string, input: ProjectInput): Promise<ProjectDto> {
    const { role } = await projectAccess(this.db, auth, id, "update");
    const [row] = await this.db(PROJECTS).where({ id }).update({ name: input.name, updated_at: this.writer.clock.now() }).returning("*");
    return toDto(row, role);
  }

  /** Deletes the project and its tasks; each task's deletion is an event, so its reminders are cancelled. */
  async remove(auth: AuthMeta, id: string): Promise<void> {
    await this.writer.transaction(async (trx) => {
      await projectAccess(trx, auth, id, "delete");
      await this.writer.write(trx, { kind: "delete", where: { project_id: id } });
      const members: { user_id: string }[] = await trx(MEMBERS).where({ project_id: id }).select("user_id");
      await trx(PROJECTS).where({ id }).delete();
      await recordMemberships(trx, this.writer, members.map((m) => ({ projectId: id, userId: m.user_id, role: null })));
    }, auth.userId);
  }

  async members(auth: AuthMeta, id: string): Promise<{ userId: string; role: ProjectRole }[]> {
    await projectAccess(this.db, auth, id, "read");
    const rows = await this.db(MEMBERS).where({ project_id: id }).orderBy("created_at").select("user_id", "role");
    return rows.map((r) => ({ userId: r.user_id, role: r.role }));
  }

  async changeRole(auth: AuthMeta, id: string, userId: string, role: ProjectRole): Promise<void> {
    await this.writer.transaction(async (trx) => {
      await projectAccess(trx, auth, id, "share");
      // Locked, so two role changes publish their versions in the order they commit.
      const member = await trx(MEMBERS).where({ project_id: id, user_id: userId }).forUpdate().first();
      if (!member) throw new NotFoundError("no such member");
      if (member.role === "owner") throw new ValidationError("The owner's role cannot change", [{ path: "params.userId", message: "is the project's owner" }]);
      await trx(MEMBERS).where({ project_id: id, user_id: userId }).update({ role });
      await recordMemberships(trx, this.writer, [{ projectId: id, userId, role, from: member.role }]);
    }, auth.userId);
  }

  /**
   * The owner removes anyone but themselves; any member may remove themselves (leave).
   * Their assignments in the project end with them, so no reminder follows them out.
   */
  async removeMember(auth: AuthMeta, id: string, userId: string): Promise<void> {
    const self = userId === auth.userId;
    await this.writer.transaction(async (trx) => {
      const { role } = await projectAccess(trx, auth, id, self ? "leave" : "share");
      if (self && role === "owner") {
        throw new ValidationError("The owner cannot leave their project", [{ path: "params.userId", message: "delete the project instead" }]);
      }
      const [removed] = await trx(MEMBERS).where({ project_id: id, user_id: userId }).delete().returning("role");
      if (!removed) throw new NotFoundError("no such member");
      await recordMemberships(trx, this.writer, [{ projectId: id, userId, role: null, from: removed.role }]);
      await this.writer.write(trx, { kind: "update", where: { project_id: id, assignee_id: userId }, set: { assignee_id: null } });
    }, auth.userId);
  }
}

/**
 * The project and the caller's role in it. A non-member gets 404 (the project's existence
 * does not leak); a member whose role does not allow `action` gets 403.
 */
export async function projectAccess(db: Db | Trx, auth: AuthMeta, id: string, action: Action): Promise<{ row: ProjectRow; role: ProjectRole }> {
  const found = await db(`${PROJECTS} as p`)
    .join(`${MEMBERS} as m`, "m.project_id", "p.id")
    .where({ "p.id": id, "m.user_id": auth.userId })
    .select("p.*", "m.role")
    .first();
  if (!found) throw new NotFoundError(`project ${id} not found`);
  if (!abilityFromMeta(auth).can(action, asProject(id))) throw new ForbiddenError(`not allowed to ${action} project ${id}`);
  const { role, ...row } = found;
  return { row, role };
}

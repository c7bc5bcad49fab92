import { AbilityBuilder, createMongoAbility, ForcedSubject, MongoAbility, RawRuleOf, subject } from "@casl/ability";
import { packRules, unpackRules } from "@casl/ability/extra";
import type { AuthMeta, Role } from "../contracts/auth";

export type Action = "manage" | "create" | "read" | "update" | "delete" | "complete" | "administer" | "share" | "leave" | "move";
export type SubjectType = "Task" | "Project" | "User" | "all";
/** The fields rules may name; each has a SQL column (or search attribute) in the owning service. */
export type TaskSubject = ForcedSubject<"Task"> & { ownerId: string; projectId: string | null; id?: string };
export type ProjectSubject = ForcedSubject<"Project"> & { id: string };
export type UserSubject = ForcedSubject<"User"> & { id: string };
export type AppAbility = MongoAbility<[Action, SubjectType | TaskSubject | ProjectSubject | UserSubject]>;

export const PROJECT_ROLES = ["owner", "editor", "viewer"] as const;
export type ProjectRole = (typeof PROJECT_ROLES)[number];

export interface Membership {
  projectId: string;
  role: ProjectRole;
}

export interface Principal {
  id: string;
  roles: Role[];
  timezone?: string;
}

const TASK_WORK: Action[] = ["create", "update", "delete", "complete"];

/**
 * Every permission in one place. A task without a project is its owner's alone; a task in
 * a project is read by every member and changed by its editors and owner. Taking a task out
 * of its project (`move`) is for the task's owner or the project's: an editor could otherwise
 * carry anyone's task off into a project of their own, where its members no longer see it.
 * Admins administer users and gain nothing over anybody's tasks or projects.
 */
export function defineAbilityFor(user: Principal, memberships: Membership[] = []): AppAbility {
  const { can, build } = new AbilityBuilder<AppAbility>(createMongoAbility);
  can(["read", ...TASK_WORK], "Task", { ownerId: user.id, projectId: null });
  can("move", "Task", { ownerId: user.id });

  const member = memberships.map((m) => m.projectId);
  const editor = memberships.filter((m) => m.role !== "viewer").map((m) => m.projectId);
  const owner = memberships.filter((m) => m.role === "owner").map((m) => m.projectId);
  if (member.length) {
    can("read", "Task", { projectId: { $in: member } });
    can(["read", "leave"], "Project", { id: { $in: member } });
  }
  if (editor.length) can(TASK_WORK, "Task", { projectId: { $in: editor } });
  if (owner.length) {
    can(["update", "delete", "share"], "Project", { id: { $in: owner } });
    can("move", "Task", { projectId: { $in: owner } });
  }
  can("create", "Project");

  can(["read", "update"], "User", { id: user.id });
  if (user.roles.includes("admin")) can("administer", "User");
  return build();
}

/**
 * The caller's identity for ctx.meta, wherever a request enters (HTTP, a WhatsApp reply):
 * memberships are required so no entry point can act with fewer rights than the web does.
 */
export function authMetaFor(user: Principal, memberships: Membership[]): AuthMeta {
  return { userId: user.id, roles: user.roles, timezone: user.timezone, rules: packRules(defineAbilityFor(user, memberships).rules) };
}

/** For test fixtures of a caller with no project (or the listed ones); entry points use authMetaFor. */
export function packAbility(user: Principal, memberships: Membership[] = []): AuthMeta {
  return authMetaFor(user, memberships);
}

/** Rebuilds the caller's ability on the receiving side of a broker call. */
export function abilityFromMeta(auth: AuthMeta): AppAbility {
  return createMongoAbility<AppAbility>(unpackRules(auth.rules) as RawRuleOf<AppAbility>[]);
}

export function asTask(task: { ownerId: string; projectId: string | null; id?: string }): TaskSubject {
  return subject("Task", { ...task });
}

export function asProject(id: string): ProjectSubject {
  return subject("Project", { id });
}

export { rulesToSql, rulesToSqlBranches, type ColumnMap } from "./sql";
export { rulesToFilter, filterLiteral, type AttributeMap } from "./filter-expression";

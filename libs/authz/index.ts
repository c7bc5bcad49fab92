import { AbilityBuilder, createMongoAbility, ForcedSubject, MongoAbility, RawRuleOf, subject } from "@casl/ability";
import { packRules, unpackRules } from "@casl/ability/extra";
import type { AuthMeta, Role } from "../contracts/auth";

export type Action = "manage" | "create" | "read" | "update" | "delete" | "complete" | "administer";
export type SubjectType = "Task" | "User" | "all";
/** The fields rules may name; each has a SQL column in the owning service. */
export type TaskSubject = ForcedSubject<"Task"> & { ownerId: string; id?: string };
export type UserSubject = ForcedSubject<"User"> & { id: string };
export type AppAbility = MongoAbility<[Action, SubjectType | TaskSubject | UserSubject]>;

export interface Principal {
  id: string;
  roles: Role[];
}

/**
 * Every permission in one place. Members work on their own tasks; admins administer
 * users and gain nothing over other people's tasks.
 */
export function defineAbilityFor(user: Principal): AppAbility {
  const { can, build } = new AbilityBuilder<AppAbility>(createMongoAbility);
  can(["create", "read", "update", "delete", "complete"], "Task", { ownerId: user.id });
  can(["read", "update"], "User", { id: user.id });
  if (user.roles.includes("admin")) {
    can("administer", "User");
  }
  return build();
}

export function packAbility(user: Principal): AuthMeta {
  return { userId: user.id, roles: user.roles, rules: packRules(defineAbilityFor(user).rules) };
}

/** Rebuilds the caller's ability on the receiving side of a broker call. */
export function abilityFromMeta(auth: AuthMeta): AppAbility {
  return createMongoAbility<AppAbility>(unpackRules(auth.rules) as RawRuleOf<AppAbility>[]);
}

export function asTask(task: { ownerId: string; id?: string }): TaskSubject {
  return subject("Task", { ...task });
}

export { rulesToSql, rulesToSqlBranches, type ColumnMap } from "./sql";
export { rulesToFilter, filterLiteral, type AttributeMap } from "./filter-expression";

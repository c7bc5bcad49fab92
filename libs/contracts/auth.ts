import type { PackRule } from "@casl/ability/extra";
import type { RawRuleOf } from "@casl/ability";
import type { AppAbility } from "../authz";

export const ROLES = ["member", "admin"] as const;
export type Role = (typeof ROLES)[number];

/** What crosses the wire in ctx.meta: the caller, and their CASL rules packed small. */
export interface AuthMeta {
  userId: string;
  roles: Role[];
  /** The caller's IANA zone: the default for their tasks' recurrence and reminders. */
  timezone?: string;
  rules: PackRule<RawRuleOf<AppAbility>>[];
}

export interface CallMeta {
  auth?: AuthMeta;
}

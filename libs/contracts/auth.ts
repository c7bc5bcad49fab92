import type { PackRule } from "@casl/ability/extra";
import type { RawRuleOf } from "@casl/ability";
import type { AppAbility } from "../authz";

/** What every access token is signed with and for: the gateway issues and checks them, notify's stream checks them too. */
export const JWT_ALGORITHM = "HS256" as const;

export const JWT_ISSUER = "todogenie";
export const JWT_AUDIENCE = "todogenie-api";

const ACCESS_SUB = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A token we issued always names a user id and expires; one that does neither was forged
 * with a leaked key or by another issuer, and a non-UUID `sub` would fail the user lookup as a 500.
 */
export function isAccessClaims(claims: unknown): claims is { sub: string; exp: number } {
  if (typeof claims !== "object" || claims === null) return false;
  const { sub, exp } = claims as { sub?: unknown; exp?: unknown };
  return typeof sub === "string" && ACCESS_SUB.test(sub) && typeof exp === "number" && Number.isFinite(exp);
}


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
  /** `<exp ms>.<HMAC-SHA256>` over `auth` with BUS_SECRET (libs/broker/identity.ts): only a key holder can vouch for a caller. */
  authSig?: string;
}

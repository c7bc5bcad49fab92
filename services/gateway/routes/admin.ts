import { abilityFromMeta } from "../../../libs/authz";
import type { AuthMeta } from "../../../libs/contracts";
import { ForbiddenError } from "../../../libs/errors";
import type { GatewayContext } from "./context";

export function requireAdmin(auth: AuthMeta): void {
  if (!abilityFromMeta(auth).can("administer", "User")) throw new ForbiddenError("admins only");
}

type After = { createdAt: string; id: string };
type Page<T> = { items: T[]; last?: { created_at: Date; id: string }; more: boolean };

/**
 * One page of an admin list kept in (created_at, id) order. The cursor is signed for this
 * list (`fingerprint`) and this admin like every list's: only what it issued comes back, so
 * its values need no checks of their own.
 */
export async function adminPage<T>(
  ctx: GatewayContext,
  auth: AuthMeta,
  query: { limit: number; cursor?: string },
  fingerprint: string,
  fetch: (limit: number, after?: After) => Promise<Page<T>>,
): Promise<{ items: T[]; nextCursor: string | null }> {
  requireAdmin(auth);
  const after = query.cursor ? ctx.cursors.decode(query.cursor, fingerprint, auth.userId, 2) : undefined;
  const page = await fetch(query.limit, after && { createdAt: new Date(after[0] as number).toISOString(), id: String(after[1]) });
  const nextCursor = page.more && page.last ? ctx.cursors.encode(fingerprint, auth.userId, [page.last.created_at.getTime(), page.last.id]) : null;
  return { items: page.items, nextCursor };
}

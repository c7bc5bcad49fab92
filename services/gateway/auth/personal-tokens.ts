import { createHash, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { Clock } from "../../../libs/clock";
import type { AuthMeta } from "../../../libs/contracts";
import type { Db } from "../../../libs/db";
import { ConflictError, ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from "../../../libs/errors";
import { AUTH_SCHEMA } from "../migrations";
import { scopesAllow, type PatScope } from "./token-scopes";

const TOKENS = `${AUTH_SCHEMA}.personal_tokens`;
export const PAT_PREFIX = "tg_pat_";
/** 32 random bytes, base64url: guessing one is hopeless, so a plain SHA-256 of it is a safe thing to store. */
const PAT_SHAPE = /^tg_pat_[A-Za-z0-9_-]{43}$/;
/** lastUsedAt is a hint for its owner, not an audit log: one write a minute per token at most. */
export const LAST_USED_RESOLUTION_MS = 60_000;
export const MAX_TOKENS_PER_USER = 50;

interface TokenRow {
  id: string;
  user_id: string;
  name: string;
  scopes: PatScope[];
  token_hash: string;
  expires_at: Date | null;
  last_used_at: Date | null;
  created_at: Date;
}

export interface PersonalTokenDto {
  id: string;
  name: string;
  scopes: PatScope[];
  expiresAt: string | null;
  lastUsedAt: string | null;
  createdAt: string;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const toDto = (r: TokenRow): PersonalTokenDto => ({
  id: r.id,
  name: r.name,
  scopes: r.scopes,
  expiresAt: iso(r.expires_at),
  lastUsedAt: iso(r.last_used_at),
  createdAt: r.created_at.toISOString(),
});
const hashOf = (token: string) => createHash("sha256").update(token).digest("hex");

export class PersonalTokens {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** The token itself is in the answer only here; only its hash is kept. */
  async create(userId: string, input: { name: string; scopes: PatScope[]; expiresAt?: string }): Promise<Omit<PersonalTokenDto, "lastUsedAt"> & { token: string }> {
    const now = this.clock.now();
    const expiresAt = input.expiresAt ? new Date(input.expiresAt) : null;
    if (expiresAt && expiresAt <= now) throw new ValidationError("Invalid body", [{ path: "body.expiresAt", message: "must be in the future" }]);
    const token = PAT_PREFIX + randomBytes(32).toString("base64url");
    const row: TokenRow = {
      id: randomUUID(),
      user_id: userId,
      name: input.name,
      scopes: [...new Set(input.scopes)],
      token_hash: hashOf(token),
      expires_at: expiresAt,
      last_used_at: null,
      created_at: now,
    };
    await this.db.transaction(async (trx) => {
      // Serialises one user's creations, so the cap holds under concurrency.
      await trx.raw(`select 1 from ${AUTH_SCHEMA}.users where id = ? for update`, [userId]);
      const [{ count }] = await trx(TOKENS).where({ user_id: userId }).count<{ count: string }[]>({ count: "*" });
      if (Number(count) >= MAX_TOKENS_PER_USER) throw new ConflictError(`at most ${MAX_TOKENS_PER_USER} tokens per user: revoke one first`);
      await trx(TOKENS).insert(row);
    });
    const { lastUsedAt: _never, ...created } = toDto(row);
    return { ...created, token };
  }

  async list(userId: string): Promise<PersonalTokenDto[]> {
    const rows = await this.db<TokenRow>(TOKENS).where({ user_id: userId }).orderBy([{ column: "created_at", order: "desc" }, "id"]);
    return rows.map(toDto);
  }

  /** Every user's tokens, oldest first, for admins. */
  async listAll(limit: number, after?: { createdAt: string; id: string }) {
    const q = this.db<TokenRow>(TOKENS).orderBy(["created_at", "id"]).limit(limit + 1);
    if (after) q.whereRaw("(created_at, id) > (?, ?)", [after.createdAt, after.id]);
    const rows = await q;
    const items = rows.slice(0, limit);
    return { items: items.map((r) => ({ ...toDto(r), userId: r.user_id })), last: items[items.length - 1], more: rows.length > limit };
  }

  /** Deletes the row: the next request with it finds nothing, in every gateway at once. `userId` undefined: an admin's revocation. */
  async revoke(id: string, userId?: string): Promise<void> {
    const q = this.db(TOKENS).where({ id });
    if (userId) q.andWhere({ user_id: userId });
    // The rows, not a count: the embedded database's driver answers no count for a delete.
    if (!(await q.del().returning("id")).length) throw new NotFoundError("no such token");
  }

  /**
   * The token's owner and scopes, read from the database on every request: nothing about a
   * token is cached, so revocation and expiry apply to the very next request in every replica.
   */
  async verify(token: string): Promise<{ id: string; userId: string; scopes: PatScope[] } | undefined> {
    if (!PAT_SHAPE.test(token)) return undefined;
    const hash = hashOf(token);
    const row = await this.db<TokenRow>(TOKENS).where({ token_hash: hash }).first();
    if (!row || !timingSafeEqual(Buffer.from(row.token_hash), Buffer.from(hash))) return undefined;
    const now = this.clock.now();
    if (row.expires_at && row.expires_at <= now) return undefined;
    if (!row.last_used_at || now.getTime() - row.last_used_at.getTime() >= LAST_USED_RESOLUTION_MS) {
      // Not awaited: the request does not wait on bookkeeping, and a lost update is harmless.
      void this.db(TOKENS).where({ id: row.id }).update({ last_used_at: now }).catch(() => undefined);
    }
    return { id: row.id, userId: row.user_id, scopes: row.scopes };
  }
}

export const isPersonalToken = (req: Request) => req.headers.authorization?.startsWith(`Bearer ${PAT_PREFIX}`) === true;

/**
 * Authenticates a `Bearer tg_pat_...` request: the token names the user, whose abilities
 * come from `lookup` as for a session (so a token never does more than its user's roles
 * allow), and the route must be within the token's scopes (token-scopes.ts), else 403.
 */
export function personalTokenMiddleware(tokens: PersonalTokens, lookup: (userId: string) => Promise<AuthMeta | false>): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const token = req.headers.authorization!.slice("Bearer ".length).trim();
    tokens
      .verify(token)
      .then(async (found) => {
        if (!found) throw new UnauthorizedError("unknown, revoked or expired personal access token");
        const auth = await lookup(found.userId);
        if (!auth) throw new UnauthorizedError("account is disabled");
        if (!scopesAllow(found.scopes, req.method, (req.route as { path?: string } | undefined)?.path)) {
          throw new ForbiddenError("this route is outside the token's scopes");
        }
        res.locals.auth = auth;
        res.locals.personalTokenId = found.id;
        next();
      })
      .catch(next);
  };
}

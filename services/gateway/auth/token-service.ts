import { createCipheriv, createDecipheriv, createHash, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import jwt from "jsonwebtoken";
import type { Clock } from "../../../libs/clock";
import { JWT_ALGORITHM, JWT_AUDIENCE, JWT_ISSUER, type Role } from "../../../libs/contracts";
import type { Db } from "../../../libs/db";
import { UnauthorizedError } from "../../../libs/errors";
import { AUTH_SCHEMA } from "../migrations";

const REFRESH_TOKENS = `${AUTH_SCHEMA}.refresh_tokens`;

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

export interface TokenSettings {
  secret: string;
  accessTtlSeconds: number;
  refreshTtlDays: number;
}

const sha256 = (s: string) => createHash("sha256").update(s).digest();

/**
 * How long a just-rotated refresh token still answers, with the same successor: two tabs
 * refreshing at once must not log the user out. Short, because within it a thief holding
 * the old token gets the live successor too; after it, reuse revokes the family as before.
 */
export const REFRESH_GRACE_MS = 30_000;

/**
 * Short-lived access JWTs and opaque rotating refresh tokens (`<id>.<secret>`; only a hash
 * of the secret is stored). Presenting a spent refresh token means it leaked: the whole
 * family is revoked, the thief's copy and the user's alike.
 */
export class TokenService {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly settings: TokenSettings,
  ) {}

  async issue(user: { id: string; roles: Role[] }, familyId: string = randomUUID()): Promise<TokenPair> {
    return { ...this.signAccess(user), refreshToken: await this.insertRefresh(this.db, user.id, familyId) };
  }

  signAccess(user: { id: string; roles: Role[] }): Omit<TokenPair, "refreshToken"> {
    // Access tokens live on the wall clock: jsonwebtoken verifies expiry against it.
    const accessToken = jwt.sign({ roles: user.roles }, this.settings.secret, {
      algorithm: JWT_ALGORITHM,
      subject: user.id,
      issuer: JWT_ISSUER,
      audience: JWT_AUDIENCE,
      expiresIn: this.settings.accessTtlSeconds,
      jwtid: randomUUID(),
    });
    return { accessToken, expiresIn: this.settings.accessTtlSeconds };
  }

  /** Spends a refresh token and returns the user it belonged to and a new token of the same family. */
  async rotate(presented: string): Promise<{ userId: string; refreshToken: string }> {
    const invalid = new UnauthorizedError("refresh token is invalid or expired");
    const [id, secret] = presented.split(".");
    if (!id || !secret || !/^[0-9a-f-]{36}$/.test(id)) throw invalid;
    const outcome = await this.db.transaction(async (trx) => {
      const row = await trx(REFRESH_TOKENS).where({ id }).forUpdate().first();
      if (!row || !timingSafeEqual(sha256(secret), Buffer.from(row.secret_hash, "hex"))) return { error: invalid };
      const now = this.clock.now();
      const successor = !row.revoked_at && row.spent_at && now.getTime() - new Date(row.spent_at).getTime() <= REFRESH_GRACE_MS ? this.unseal(row.successor_sealed) : undefined;
      if (successor) {
        // Only while the successor is unused: a tab racing this one has not moved on yet. Once it
        // has been rotated in turn, the old token coming back is a replay, not a race.
        const live = await trx(REFRESH_TOKENS).where({ id: successor.split(".")[0] }).whereNull("revoked_at").whereNull("spent_at").forUpdate().first();
        if (live) return { userId: row.user_id as string, refreshToken: successor };
      }
      if (row.spent_at || row.revoked_at) {
        await trx(REFRESH_TOKENS).where({ family_id: row.family_id }).whereNull("revoked_at").update({ revoked_at: now });
        return { error: new UnauthorizedError("refresh token was already used; every session of this login is revoked") };
      }
      if (new Date(row.expires_at) <= now) return { error: invalid };
      const refreshToken = await this.insertRefresh(trx, row.user_id, row.family_id);
      await trx(REFRESH_TOKENS).where({ id }).update({ spent_at: now, successor_sealed: this.seal(refreshToken) });
      return { userId: row.user_id as string, refreshToken };
    });
    // The revocation must commit, so the error is thrown only after the transaction.
    if ("error" in outcome) throw outcome.error;
    return outcome;
  }

  /** Logging out revokes the token's family; an unknown token is ignored (logout is idempotent). */
  async revokeFamilyOf(presented: string): Promise<void> {
    const [id, secret] = presented.split(".");
    if (!id || !secret || !/^[0-9a-f-]{36}$/.test(id)) return;
    const row = await this.db(REFRESH_TOKENS).where({ id }).first();
    if (!row || !timingSafeEqual(sha256(secret), Buffer.from(row.secret_hash, "hex"))) return;
    await this.db(REFRESH_TOKENS).where({ family_id: row.family_id }).whereNull("revoked_at").update({ revoked_at: this.clock.now() });
  }

  /** AES-256-GCM under a key derived from the signing secret: a database dump alone yields no live token. */
  private seal(token: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.sealKey(), iv);
    const data = Buffer.concat([cipher.update(token, "utf8"), cipher.final()]);
    return [iv, cipher.getAuthTag(), data].map((b) => b.toString("base64url")).join(".");
  }

  private unseal(sealed: string | null | undefined): string | undefined {
    if (!sealed) return undefined;
    try {
      const [iv, tag, data] = sealed.split(".").map((part) => Buffer.from(part, "base64url"));
      const decipher = createDecipheriv("aes-256-gcm", this.sealKey(), iv!);
      decipher.setAuthTag(tag!);
      return Buffer.concat([decipher.update(data!), decipher.final()]).toString("utf8");
    } catch {
      // Sealed under a previous JWT secret: no grace, the ordinary reuse rule applies.
      return undefined;
    }
  }

  private sealKey(): Buffer {
    return createHash("sha256").update(`refresh-successor:${this.settings.secret}`).digest();
  }

  private async insertRefresh(db: Db, userId: string, familyId: string): Promise<string> {
    const id = randomUUID();
    const secret = randomBytes(32).toString("base64url");
    const now = this.clock.now();
    await db(REFRESH_TOKENS).insert({
      id,
      family_id: familyId,
      user_id: userId,
      secret_hash: sha256(secret).toString("hex"),
      expires_at: new Date(now.getTime() + this.settings.refreshTtlDays * 86_400_000),
      created_at: now,
    });
    return `${id}.${secret}`;
  }
}

import { createHmac, randomInt, randomUUID, timingSafeEqual } from "node:crypto";
import type { Clock } from "../../../libs/clock";
import { USER_CHANNELS } from "../../../libs/contracts";
import type { Db, Trx } from "../../../libs/db";
import { ConflictError, NotFoundError, RateLimitedError, ValidationError } from "../../../libs/errors";
import { enqueue } from "../../../libs/outbox";
import { AUTH_SCHEMA } from "../migrations";
import { userUpdatedEvent } from "./user-events";
import type { UserRow } from "./user-store";

const USERS = `${AUTH_SCHEMA}.users`;
const PENDING = `${AUTH_SCHEMA}.phone_verifications`;
const SENDS = `${AUTH_SCHEMA}.phone_verification_sends`;
const UNIQUE_VIOLATION = "23505";

export interface PhoneVerificationLimits {
  codeTtlMs: number;
  sendsPerHour: number;
  maxFailedAttempts: number;
}

export const PHONE_VERIFICATION_LIMITS: PhoneVerificationLimits = {
  codeTtlMs: 10 * 60_000,
  sendsPerHour: 5,
  maxFailedAttempts: 5,
};

const HOUR_MS = 60 * 60_000;

interface PendingRow {
  user_id: string;
  phone: string;
  code_hash: string;
  failed_attempts: number;
  expires_at: Date;
}

/** What a confirm found; failures are decided inside the transaction but thrown after it commits. */
type Outcome = { ok: UserRow } | { error: ValidationError };

/**
 * Proves a user holds their phone: a 6-digit code goes to it over WhatsApp (the gateway
 * writes a `phone.verification` event to its outbox; notify sends it), and only typing it
 * back marks the number verified. The code itself is never stored: a hash keyed with a
 * server secret, so a copy of the database does not give up six digits by brute force.
 */
export class PhoneVerifications {
  private readonly key: Buffer;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    /** Derives the hashing key; the gateway passes its JWT secret. */
    secret: string,
    /** Called after a commit that wrote events: the relay publishes them now. */
    private readonly onEvents: () => void = () => {},
    private readonly limits: PhoneVerificationLimits = PHONE_VERIFICATION_LIMITS,
    private readonly newCode: () => string = () => String(randomInt(0, 1_000_000)).padStart(6, "0"),
  ) {
    this.key = createHmac("sha256", secret).update("todogenie:phone-verification").digest();
  }

  /** Sends a new code to the user's unverified phone; an earlier pending code stops working. */
  async send(userId: string): Promise<{ phone: string; expiresAt: Date }> {
    const sent = await this.db.transaction(async (trx) => {
      // Locked: concurrent sends count against the hourly limit one after another.
      const user = await this.lockUser(trx, userId);
      if (!user.phone) throw new ValidationError("No phone number to verify", [{ path: "phone", message: "set one with PATCH /me first" }]);
      if (user.phone_verified) throw new ValidationError("The phone number is already verified", [{ path: "phone", message: "is verified" }]);
      // Before any send: a code to a number someone else proved theirs would only pester them.
      await this.assertUnclaimed(trx, user);
      const now = this.clock.now();
      const windowStart = new Date(now.getTime() - HOUR_MS);
      await trx(SENDS).where({ user_id: userId }).andWhere("sent_at", "<=", windowStart).delete();
      const recent: { sent_at: Date }[] = await trx(SENDS).where({ user_id: userId }).orderBy("sent_at").select("sent_at");
      if (recent.length >= this.limits.sendsPerHour) {
        const freeAt = new Date(recent[recent.length - this.limits.sendsPerHour]!.sent_at).getTime() + HOUR_MS;
        throw new RateLimitedError(Math.ceil((freeAt - now.getTime()) / 1000));
      }
      const code = this.newCode();
      const expiresAt = new Date(now.getTime() + this.limits.codeTtlMs);
      await trx(SENDS).insert({ user_id: userId, sent_at: now });
      await trx(PENDING)
        .insert({ user_id: userId, phone: user.phone, code_hash: this.hash(userId, user.phone, code), failed_attempts: 0, expires_at: expiresAt })
        .onConflict("user_id")
        .merge();
      await enqueue(
        trx,
        AUTH_SCHEMA,
        USER_CHANNELS.phoneVerification,
        { key: randomUUID(), phone: user.phone, code, expiresAt: expiresAt.toISOString() },
        this.clock,
      );
      return { phone: user.phone, expiresAt };
    });
    this.onEvents();
    return sent;
  }

  /** Marks the phone verified when `code` is the pending one; else 422, 409 when another account holds the number. */
  async confirm(userId: string, code: string): Promise<UserRow> {
    let outcome: Outcome;
    try {
      outcome = await this.db.transaction((trx) => this.check(trx, userId, code));
    } catch (err) {
      // Another account verified the number between our check and our write.
      if ((err as { code?: string }).code === UNIQUE_VIOLATION) throw claimedError();
      throw err;
    }
    if ("error" in outcome) throw outcome.error;
    this.onEvents();
    return outcome.ok;
  }

  private async check(trx: Trx, userId: string, code: string): Promise<Outcome> {
    const user = await this.lockUser(trx, userId);
    const pending: PendingRow | undefined = await trx(PENDING).where({ user_id: userId }).first();
    const invalid = (detail: string, message: string): Outcome => ({ error: new ValidationError(detail, [{ path: "body.code", message }]) });
    // A code sent to a number the user has since replaced proves nothing about the new one.
    if (!pending || !user.phone || pending.phone !== user.phone) return invalid("No code is pending", "request a new code");
    if (user.phone_verified) return { ok: user };
    if (new Date(pending.expires_at).getTime() <= this.clock.now().getTime()) {
      await trx(PENDING).where({ user_id: userId }).delete();
      return invalid("The code has expired", "request a new code");
    }
    if (!this.matches(pending.code_hash, userId, pending.phone, code)) {
      const failed = pending.failed_attempts + 1;
      if (failed >= this.limits.maxFailedAttempts) {
        // Void after a handful of guesses: a million codes are not to be tried one by one.
        await trx(PENDING).where({ user_id: userId }).delete();
        return invalid("Wrong code; too many wrong tries, the code is void", "request a new code");
      }
      await trx(PENDING).where({ user_id: userId }).update({ failed_attempts: failed });
      return invalid("Wrong code", `is not the code sent; ${this.limits.maxFailedAttempts - failed} tries left`);
    }
    await this.assertUnclaimed(trx, user);
    await trx(PENDING).where({ user_id: userId }).delete();
    const [row] = await trx(USERS)
      .where({ id: userId })
      .update({ phone_verified: true, updated_at: this.clock.now(), version: trx.raw("version + 1") })
      .returning("*");
    await enqueue(trx, AUTH_SCHEMA, USER_CHANNELS.updated, userUpdatedEvent(row as UserRow), this.clock);
    return { ok: row as UserRow };
  }

  private async lockUser(trx: Trx, userId: string): Promise<UserRow> {
    const user: UserRow | undefined = await trx(USERS).where({ id: userId }).forUpdate().first();
    if (!user) throw new NotFoundError("user not found");
    return user;
  }

  private async assertUnclaimed(trx: Trx, user: UserRow): Promise<void> {
    const holder = await trx(USERS).where({ phone: user.phone, phone_verified: true }).whereNot({ id: user.id }).first("id");
    if (holder) throw claimedError();
  }

  /** Bound to the user and the number, so a code only ever confirms what it was sent for. */
  private hash(userId: string, phone: string, code: string): string {
    return createHmac("sha256", this.key).update(`${userId}\n${phone}\n${code}`).digest("base64url");
  }

  private matches(stored: string, userId: string, phone: string, code: string): boolean {
    const expected = Buffer.from(stored, "base64url");
    const actual = Buffer.from(this.hash(userId, phone, code), "base64url");
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  }
}

function claimedError(): ConflictError {
  return new ConflictError("Another account has verified this phone number");
}

import { createHash, randomBytes } from "node:crypto";
import type { Clock } from "../../../libs/clock";
import type { Db } from "../../../libs/db";
import { ForbiddenError, RateLimitedError } from "../../../libs/errors";
import { NOTIFY_SCHEMA } from "../migrations";

const TICKETS = `${NOTIFY_SCHEMA}.stream_tickets`;
export const TICKET_TTL_SECONDS = 60;
const hash = (ticket: string) => createHash("sha256").update(ticket).digest("hex");

export interface TicketOptions {
  /** Tickets one user may take per minute; the next answers 429. */
  perMinute: number;
  /** notify.contacts: a disabled account gets no ticket and cannot spend one it holds. */
  isDisabled: (userId: string) => Promise<boolean>;
}

/**
 * Single-use, 60-second tickets for `stream?ticket=`: browsers' EventSource cannot send an
 * Authorization header, and a long-lived token must not sit in URLs and access logs.
 */
export class StreamTickets {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly options: TicketOptions,
  ) {}

  async issue(userId: string): Promise<{ ticket: string; expiresIn: number }> {
    if (await this.options.isDisabled(userId)) throw new ForbiddenError("this account is disabled");
    const now = this.clock.now();
    // A ticket lives exactly a minute, so the unexpired ones are those issued in the last minute.
    const recent: { expires_at: Date }[] = await this.db(TICKETS)
      .where({ user_id: userId })
      .andWhere("expires_at", ">", now)
      .orderBy("expires_at")
      .select("expires_at");
    if (recent.length >= this.options.perMinute) {
      const oldest = new Date(recent[recent.length - this.options.perMinute]!.expires_at).getTime();
      throw new RateLimitedError(Math.max(1, Math.ceil((oldest - now.getTime()) / 1000)));
    }
    const ticket = randomBytes(32).toString("base64url");
    await this.db(TICKETS).insert({ hash: hash(ticket), user_id: userId, expires_at: new Date(now.getTime() + TICKET_TTL_SECONDS * 1000) });
    await this.db(TICKETS).where("expires_at", "<", new Date(now.getTime() - 3600_000)).delete();
    return { ticket, expiresIn: TICKET_TTL_SECONDS };
  }

  /** The ticket's user, spending it; undefined if unknown, expired, already used, or its account is disabled. */
  async redeem(ticket: string): Promise<string | undefined> {
    const now = this.clock.now();
    const [row] = await this.db(TICKETS)
      .where({ hash: hash(ticket) })
      .whereNull("used_at")
      .andWhere("expires_at", ">", now)
      .update({ used_at: now })
      .returning("user_id");
    const userId: string | undefined = row?.user_id;
    if (!userId || (await this.options.isDisabled(userId))) return undefined;
    return userId;
  }
}

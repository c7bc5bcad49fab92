import { createHash, randomBytes } from "node:crypto";
import type { Clock } from "../../../libs/clock";
import type { Db } from "../../../libs/db";
import { NOTIFY_SCHEMA } from "../migrations";

const TICKETS = `${NOTIFY_SCHEMA}.stream_tickets`;
export const TICKET_TTL_SECONDS = 60;
const hash = (ticket: string) => createHash("sha256").update(ticket).digest("hex");

/**
 * Single-use, 60-second tickets for `stream?ticket=`: browsers' EventSource cannot send an
 * Authorization header, and a long-lived token must not sit in URLs and access logs.
 */
export class StreamTickets {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  async issue(userId: string): Promise<{ ticket: string; expiresIn: number }> {
    const ticket = randomBytes(32).toString("base64url");
    const now = this.clock.now();
    await this.db(TICKETS).insert({ hash: hash(ticket), user_id: userId, expires_at: new Date(now.getTime() + TICKET_TTL_SECONDS * 1000) });
    await this.db(TICKETS).where("expires_at", "<", new Date(now.getTime() - 3600_000)).delete();
    return { ticket, expiresIn: TICKET_TTL_SECONDS };
  }

  /** The ticket's user, spending it; undefined if unknown, expired or already used. */
  async redeem(ticket: string): Promise<string | undefined> {
    const now = this.clock.now();
    const [row] = await this.db(TICKETS)
      .where({ hash: hash(ticket) })
      .whereNull("used_at")
      .andWhere("expires_at", ">", now)
      .update({ used_at: now })
      .returning("user_id");
    return row?.user_id;
  }
}

import type { Clock } from "../../libs/clock";
import type { WhatsAppConfig } from "../../libs/config";
import type { Db } from "../../libs/db";
import type { Turn } from "../../libs/loop";
import { deliveries } from "../../libs/metrics";
import { NOTIFY_SCHEMA } from "./migrations";
import type { WhatsAppSender } from "./whatsapp/cloud-api-client";
import { deliverWhatsApp, DeliveryStatus, WhatsAppRecipient } from "./whatsapp/delivery";
import { mergeStatus } from "./whatsapp/status-order";

const DELIVERIES = `${NOTIFY_SCHEMA}.deliveries`;
const NOTIFICATIONS = `${NOTIFY_SCHEMA}.notifications`;
/** A claimed row another replica may take over if this one dies mid-send. */
const LEASE_MS = 2 * 60_000;
const BATCH = 20;
const IDLE_MS = 5_000;
const DAY_MS = 24 * 3600_000;

export type ContactLookup = (userIds: string[]) => Promise<Map<string, WhatsAppRecipient>>;

interface ClaimedRow {
  notification_id: string;
  status: DeliveryStatus;
  attempts: number;
  last_error: string | null;
  provider_message_id: string | null;
  title: string;
  due_at: Date | null;
  user_id: string;
}

/**
 * Sends the WhatsApp deliveries that are due. A row is claimed under SKIP LOCKED with a
 * lease before the send and settled right after, so replicas never send the same row at
 * once and a row marked sent is never sent again.
 */
export class WhatsAppDeliveries {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly config: WhatsAppConfig,
    private readonly client: WhatsAppSender | undefined,
    private readonly limiter: { acquire(key: string): Promise<void> },
    private readonly contacts: ContactLookup,
  ) {}

  /** One batch; the loop's next turn. */
  async runOnce(): Promise<Turn> {
    const now = this.clock.now();
    const claimed = await this.db.transaction<ClaimedRow[]>(async (trx) => {
      // Round-robin over users, not oldest first: each user's oldest due row, then each one's
      // second, and so on. The sender's rate is shared, and sends go out in batch order, so one
      // account with a thousand due messages delays everyone else's by one slot, not by a
      // thousand. Ranked without a lock (Postgres locks no window-function rows), then locked.
      const ranked = trx(`${DELIVERIES} as d`)
        .join(`${NOTIFICATIONS} as n`, "n.id", "d.notification_id")
        .where({ "d.channel": "whatsapp", "d.status": "pending" })
        .andWhere("d.next_attempt_at", "<=", now)
        .andWhere((q) => q.whereNull("d.claimed_until").orWhere("d.claimed_until", "<", now))
        .select("d.notification_id", "d.next_attempt_at", trx.raw("row_number() over (partition by n.user_id order by d.next_attempt_at) as turn"));
      const candidates: { notification_id: string }[] = await trx
        .from(ranked.as("r"))
        .select("notification_id")
        .orderBy([{ column: "turn" }, { column: "next_attempt_at" }])
        .limit(BATCH);
      if (!candidates.length) return [];
      const due = await trx(DELIVERIES)
        .select("notification_id")
        .whereIn("notification_id", candidates.map((c) => c.notification_id))
        .andWhere({ channel: "whatsapp", status: "pending" })
        .andWhere((q) => q.whereNull("claimed_until").orWhere("claimed_until", "<", now))
        .forUpdate()
        .skipLocked();
      if (!due.length) return [];
      const ids = due.map((r) => r.notification_id);
      await trx(DELIVERIES).whereIn("notification_id", ids).andWhere({ channel: "whatsapp" }).update({ claimed_until: new Date(now.getTime() + LEASE_MS) });
      const rows: ClaimedRow[] = await trx(`${DELIVERIES} as d`)
        .join(`${NOTIFICATIONS} as n`, "n.id", "d.notification_id")
        .whereIn("d.notification_id", ids)
        .andWhere("d.channel", "whatsapp")
        .select("d.notification_id", "d.status", "d.attempts", "d.last_error", "d.provider_message_id", "n.title", "n.due_at", "n.user_id");
      const turn = new Map(candidates.map((c, i) => [c.notification_id, i]));
      return rows.sort((x, y) => turn.get(x.notification_id)! - turn.get(y.notification_id)!);
    });
    if (claimed.length) {
      const users = [...new Set(claimed.map((r) => r.user_id))];
      const contacts = await this.contacts(users);
      const sentToday = await this.sentInLastDay(users);
      const cap = this.config.sendsPerUserPerDay;
      for (const row of claimed) {
        const user = contacts.get(row.user_id);
        const count = sentToday.get(row.user_id) ?? 0;
        if (!user) {
          await this.skip(row, "skipped: the recipient's account is disabled or unknown");
          continue;
        }
        if (cap !== undefined && count >= cap) {
          await this.skip(row, `skipped: daily limit of ${cap} WhatsApp sends per user reached`);
          continue;
        }
        if (await this.deliver(row, user)) sentToday.set(row.user_id, count + 1);
      }
    }
    if (claimed.length === BATCH) return { again: true };
    const next = await this.db(DELIVERIES).where({ channel: "whatsapp", status: "pending" }).min({ at: "next_attempt_at" }).first();
    return { sleepMs: next?.at ? new Date(next.at).getTime() - this.clock.now().getTime() : IDLE_MS };
  }

  /** Applies a provider status callback; statuses never move backwards. Returns whether a delivery matched. */
  async applyStatus(providerMessageId: string, status: "sent" | "delivered" | "read" | "failed", error?: string): Promise<boolean> {
    return this.db.transaction(async (trx) => {
      const row = await trx(DELIVERIES).where({ provider_message_id: providerMessageId }).forUpdate().first();
      if (!row) return false;
      const merged = mergeStatus(row.status, status);
      if (merged !== row.status) {
        deliveries.inc({ channel: "whatsapp", status: merged });
        await trx(DELIVERIES)
          .where({ provider_message_id: providerMessageId })
          .update({ status: merged, updated_at: this.clock.now(), ...(merged === "failed" && error ? { last_error: error } : {}) });
      }
      return true;
    });
  }

  /** WhatsApp messages the provider accepted for each user in the last 24 h. */
  private async sentInLastDay(userIds: string[]): Promise<Map<string, number>> {
    const rows: { user_id: string; n: string | number }[] = await this.db(`${DELIVERIES} as d`)
      .join(`${NOTIFICATIONS} as n`, "n.id", "d.notification_id")
      .whereIn("n.user_id", userIds)
      .andWhere("d.channel", "whatsapp")
      .andWhere("d.sent_at", ">", new Date(this.clock.now().getTime() - DAY_MS))
      .groupBy("n.user_id")
      .select("n.user_id", this.db.raw("count(*) as n"));
    return new Map(rows.map((r) => [r.user_id, Number(r.n)]));
  }

  /** Over a cap: skipped for good, never retried, with the reason where the user sees it. */
  private async skip(row: ClaimedRow, reason: string): Promise<void> {
    deliveries.inc({ channel: "whatsapp", status: "skipped" });
    await this.db(DELIVERIES)
      .where({ notification_id: row.notification_id, channel: "whatsapp" })
      .update({ status: "skipped", last_error: reason, next_attempt_at: null, claimed_until: null, updated_at: this.clock.now() });
  }

  /** Sends (or settles) one claimed row; whether the provider accepted a new message. */
  private async deliver(row: ClaimedRow, user: WhatsAppRecipient | undefined): Promise<boolean> {
    const recipient = user ?? { timezone: "UTC", phone: null, phoneVerified: false, whatsappOptIn: false, notificationPrefs: { whatsapp: false, quietHours: null } };
    const result = await deliverWhatsApp({
      notification: { id: row.notification_id, title: row.title, dueAt: row.due_at, channels: ["whatsapp"] },
      user: recipient,
      config: this.config,
      client: this.client,
      limiter: this.limiter,
      clock: this.clock,
      delivery: { status: row.status, attempts: row.attempts, lastError: row.last_error, providerMessageId: row.provider_message_id },
    });
    if (result.outcome === "unchanged") return false;
    const sent = result.status === "sent";
    deliveries.inc({ channel: "whatsapp", status: result.status });
    await this.db(DELIVERIES)
      .where({ notification_id: row.notification_id, channel: "whatsapp" })
      .update({
        status: result.status,
        attempts: result.attempts,
        last_error: result.skipReason ? `skipped: ${result.skipReason}` : result.lastError,
        provider_message_id: result.providerMessageId,
        next_attempt_at: result.nextAttemptAt,
        claimed_until: null,
        updated_at: this.clock.now(),
        ...(sent ? { sent_at: this.clock.now() } : {}),
      });
    return sent;
  }
}

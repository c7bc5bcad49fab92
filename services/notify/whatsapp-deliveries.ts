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
      const due = await trx(DELIVERIES)
        .select("notification_id")
        .where({ channel: "whatsapp", status: "pending" })
        .andWhere("next_attempt_at", "<=", now)
        .andWhere((q) => q.whereNull("claimed_until").orWhere("claimed_until", "<", now))
        .orderBy("next_attempt_at")
        .limit(BATCH)
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
      return rows;
    });
    if (claimed.length) {
      const contacts = await this.contacts([...new Set(claimed.map((r) => r.user_id))]);
      for (const row of claimed) await this.deliver(row, contacts.get(row.user_id));
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

  private async deliver(row: ClaimedRow, user: WhatsAppRecipient | undefined): Promise<void> {
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
    if (result.outcome === "unchanged") return;
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
      });
  }
}

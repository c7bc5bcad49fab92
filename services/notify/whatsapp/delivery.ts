import type { Clock } from "../../../libs/clock";
import type { WhatsAppConfig } from "../../../libs/config";
import { E164, isTimeZone, type NotificationPrefs } from "../../../libs/contracts";
import { describeProviderError, type ProviderError, type SendResult, type WhatsAppSender } from "./cloud-api-client";
import { reminderMessage } from "./message-text";
import { quietHoursEnd } from "./quiet-hours";
import { canRetry, DEFAULT_RETRY_POLICY, nextDelay, type RetryPolicy } from "./retry-policy";

/**
 * One WhatsApp delivery attempt for one notification, decided and made without a database:
 * the caller (the notify service) loads the delivery row, calls deliverWhatsApp, and
 * records the result; it calls again at `nextAttemptAt` (quiet hours, retries).
 *
 * Deduplication lives in the caller's database: one delivery row per (notification id,
 * channel), unique, created with the notification, so a redelivered `reminder.due` or a
 * second notify replica finds the row instead of making a new one. The Cloud API takes no
 * idempotency key (no such header or field exists), so nothing on Meta's side stops a
 * resend: what does is the row's state. Once a send succeeds the row says `sent` with the
 * provider message id, and deliverWhatsApp never sends for a row that is not `pending`.
 * The caller must therefore claim the row before calling (e.g. `UPDATE … SET
 * next_attempt_at = now() + lease WHERE status = 'pending' AND next_attempt_at <= now()
 * RETURNING`, or `SELECT … FOR UPDATE SKIP LOCKED`) so two replicas do not send the same
 * pending row at once, and record the result straight after. What remains is the window
 * between Meta accepting a message and the row being written (a crash, or a timeout after
 * the request went out): then the message is sent again on retry — at least once, as the
 * contract says, never silently lost.
 */

export type DeliveryStatus = "pending" | "sent" | "delivered" | "read" | "failed" | "skipped";

/** The notification, as far as WhatsApp is concerned. */
export interface WhatsAppNotification {
  /** The notification id: the delivery row's key with the channel. */
  id: string;
  title: string;
  dueAt: Date | string | null;
  /** The channels the reminder asked for. */
  channels: readonly string[];
}

/** The recipient (the task's assignee, or its owner). */
export interface WhatsAppRecipient {
  timezone: string;
  phone: string | null;
  /** The user proved the number theirs; an unverified one may be anybody's. */
  phoneVerified: boolean;
  whatsappOptIn: boolean;
  notificationPrefs: Pick<NotificationPrefs, "whatsapp" | "quietHours">;
}

/** The caller's delivery row for (notification, "whatsapp"), when there is one. */
export interface DeliveryRow {
  status: DeliveryStatus;
  attempts: number;
  lastError?: string | null;
  providerMessageId?: string | null;
}

export interface DeliverWhatsAppInput {
  notification: WhatsAppNotification;
  user: WhatsAppRecipient;
  /** `config.whatsapp` */
  config: WhatsAppConfig;
  /** Absent when no sender is configured (then every delivery is skipped). */
  client?: WhatsAppSender;
  limiter: { acquire(key: string): Promise<void> };
  clock: Clock;
  /** The row as it stands; absent before the first attempt. */
  delivery?: DeliveryRow;
  retryPolicy?: RetryPolicy;
  random?: () => number;
}

export type SkipReason = "not_requested" | "not_configured" | "disabled_by_user" | "not_opted_in" | "no_phone" | "phone_unverified";

export interface DeliveryResult {
  /** What happened this time. `unchanged`: the row was already settled, nothing was sent. */
  outcome: "skipped" | "postponed" | "sent" | "retry" | "failed" | "unchanged";
  // the row to record:
  status: DeliveryStatus;
  attempts: number;
  lastError: string | null;
  providerMessageId: string | null;
  /** When to call again (postponed, retry); null when settled. */
  nextAttemptAt: Date | null;
  skipReason?: SkipReason;
  /** The provider's error in full, for logs and metrics (lastError is its one-line form). */
  providerError?: ProviderError;
}

export async function deliverWhatsApp(input: DeliverWhatsAppInput): Promise<DeliveryResult> {
  const { notification, user, config, limiter, clock, delivery } = input;
  const row = {
    status: delivery?.status ?? "pending",
    attempts: delivery?.attempts ?? 0,
    lastError: delivery?.lastError ?? null,
    providerMessageId: delivery?.providerMessageId ?? null,
  };
  // Settled rows are never sent again: this, not the API, is what prevents a resend.
  if (row.status !== "pending" || row.providerMessageId !== null) {
    return { outcome: "unchanged", ...row, nextAttemptAt: null };
  }

  const target = sendTarget(input);
  if ("skipReason" in target) return { outcome: "skipped", ...row, status: "skipped", nextAttemptAt: null, ...target };

  const timeZone = isTimeZone(user.timezone) ? user.timezone : "UTC";
  const quiet = user.notificationPrefs.quietHours;
  const quietUntil = quiet ? quietHoursEnd(quiet, timeZone, clock.now()) : null;
  if (quietUntil) return { outcome: "postponed", ...row, nextAttemptAt: quietUntil };

  await limiter.acquire(target.phoneNumberId);
  const content = reminderMessage({ title: notification.title, dueAt: notification.dueAt, timeZone }, config.template);
  const result = await target.client.send(target.phone, content);
  return settle(result, row.attempts + 1, input);
}

/** Where to send, or why not to. */
function sendTarget({ notification, user, config, client }: DeliverWhatsAppInput):
  | { client: WhatsAppSender; phoneNumberId: string; phone: string }
  | { skipReason: SkipReason } {
  if (!notification.channels.includes("whatsapp")) return { skipReason: "not_requested" };
  if (!config.sender || !client) return { skipReason: "not_configured" };
  if (!user.notificationPrefs.whatsapp) return { skipReason: "disabled_by_user" };
  if (!user.whatsappOptIn) return { skipReason: "not_opted_in" };
  if (!user.phone || !E164.test(user.phone)) return { skipReason: "no_phone" };
  if (!user.phoneVerified) return { skipReason: "phone_unverified" };
  return { client, phoneNumberId: config.sender.phoneNumberId, phone: user.phone };
}

function settle(result: SendResult, attempts: number, input: DeliverWhatsAppInput): DeliveryResult {
  if (result.kind === "sent") {
    return {
      outcome: "sent",
      status: "sent",
      attempts,
      lastError: null,
      providerMessageId: result.providerMessageId,
      nextAttemptAt: null,
    };
  }
  const policy = input.retryPolicy ?? DEFAULT_RETRY_POLICY;
  const lastError = describeProviderError(result.error);
  const failed = { status: "failed", attempts, providerMessageId: null, nextAttemptAt: null, providerError: result.error } as const;
  if (result.kind === "permanent") return { outcome: "failed", ...failed, lastError };
  if (!canRetry(attempts, policy)) {
    return { outcome: "failed", ...failed, lastError: `gave up after ${attempts} attempts: ${lastError}` };
  }
  const delay = nextDelay(attempts, result.retryAfterMs, input.random, policy);
  return {
    outcome: "retry",
    status: "pending",
    attempts,
    lastError,
    providerMessageId: null,
    nextAttemptAt: new Date(input.clock.now().getTime() + delay),
    providerError: result.error,
  };
}

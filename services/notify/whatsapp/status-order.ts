import type { WebhookStatus } from "./webhook";

/** The delivery states a WhatsApp send moves through after it left (`skipped` never moves). */
export type TrackedStatus = "pending" | "sent" | WebhookStatus;

/**
 * One order, so the result never depends on the order callbacks arrive in (Meta does not
 * promise any, and retries them): mergeStatus is a max, hence commutative and idempotent.
 *
 *   pending < sent < failed < delivered < read
 *
 * - sent < delivered < read: "read" then a late "delivered" stays "read".
 * - failed beats pending and sent: a "sent" arriving after "failed" changes nothing, and
 *   nothing on our side retries a message Meta reported failed.
 * - delivered and read beat failed (decision): they are receipts from the recipient's
 *   phone, proof the message arrived, which a failure report cannot undo. Meta sends one or
 *   the other for a message, not both; should both come, the receipt wins, either way round.
 */
const RANK: Record<TrackedStatus, number> = { pending: 0, sent: 1, failed: 2, delivered: 3, read: 4 };

export function mergeStatus(current: TrackedStatus, incoming: WebhookStatus): TrackedStatus {
  return RANK[incoming] > RANK[current] ? incoming : current;
}

import type { Clock } from "../../../libs/clock";
import type { Db } from "../../../libs/db";
import { purgeExpiredKeys } from "../../../libs/idempotency";
import { NOTIFY_SCHEMA } from "../migrations";
import { nextAttemptAt, RetryPolicy } from "./backoff";
import type { SendResult } from "./sender";
import { DELIVERIES, SUBSCRIPTIONS, SubscriptionRow } from "./subscriptions";

const MEMBERSHIPS = `${NOTIFY_SCHEMA}.memberships`;
const CONTACTS = `${NOTIFY_SCHEMA}.contacts`;

/** A claimed delivery, with what sending it needs. */
export interface ClaimedDelivery {
  id: string;
  subscriptionId: string;
  userId: string;
  url: string;
  secret: string;
  body: string;
  roundAttempts: number;
  roundStartedAt: Date;
  /** False when the subscriber may no longer read the task (left its project, account disabled). */
  readable: boolean;
  /** The subscription's run of failures when claimed: a success resets it only when there is one. */
  subscriptionFailures: number;
}

/** One attempt's outcome, to record. */
export interface Attempt {
  delivery: ClaimedDelivery;
  result: SendResult;
  at: Date;
}

/** A subscription the settle just disabled: its owner is to be told, once. */
export interface DisabledSubscription {
  id: string;
  userId: string;
  projectId: string | null;
  url: string;
  failures: number;
  disabledAt: Date;
}

export interface QueueOptions extends RetryPolicy {
  /** How long a claim holds: past it, another replica takes the delivery (its claimant died). */
  leaseMs: number;
  disableAfterFailures: number;
}

/**
 * The durable queue of deliveries in Postgres. Replicas claim due rows under SKIP LOCKED with a
 * lease (so none sends a row another is sending, and a crashed replica's rows come back when
 * the lease runs out), then settle each with its outcome.
 */
export class DeliveryQueue {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly options: QueueOptions,
  ) {}

  /**
   * Claims up to `limit` due deliveries, oldest due first, skipping subscriptions with `perTarget`
   * requests in flight (`busy`), in one statement: the due rows are locked (SKIP LOCKED: another
   * replica's claims in progress are passed over) and leased in the same UPDATE. Rows beyond a
   * subscription's share are handed back at once.
   */
  async claim(limit: number, perTarget: number, busy: ReadonlyMap<string, number>): Promise<ClaimedDelivery[]> {
    if (limit <= 0) return [];
    const now = this.clock.now();
    const saturated = [...busy].filter(([, n]) => n >= perTarget).map(([id]) => id);
    const { rows } = await this.db.raw<{ rows: (Omit<ClaimedDelivery, "roundStartedAt" | "body"> & { roundStartedAt: Date; body: unknown })[] }>(
      `with due as (
         select d.id from ${DELIVERIES} d
           join ${SUBSCRIPTIONS} s on s.id = d.subscription_id and s.enabled
          where d.status = 'pending' and d.next_attempt_at <= ? and (d.claimed_until is null or d.claimed_until < ?)
            and not (d.subscription_id = any(?::uuid[]))
          order by d.next_attempt_at
          limit ?
          for update of d skip locked
       )
       update ${DELIVERIES} d set claimed_until = ?
         from due, ${SUBSCRIPTIONS} s
        where d.id = due.id and s.id = d.subscription_id
       returning d.id, d.subscription_id as "subscriptionId", s.user_id as "userId", s.url, s.secret, d.body,
         d.round_attempts as "roundAttempts", d.round_started_at as "roundStartedAt", s.consecutive_failures as "subscriptionFailures",
         -- Known to have left the task's project (a row with no role), or a disabled account: not readable.
         not (coalesce((select m.role is null from ${MEMBERSHIPS} m where m.project_id = d.project_id and m.user_id = s.user_id), false)
              or coalesce((select c.disabled from ${CONTACTS} c where c.user_id = s.user_id), false)) as readable`,
      [now, now, saturated, limit, new Date(now.getTime() + this.options.leaseMs)],
    );
    const taken = new Map(busy);
    const claimed: ClaimedDelivery[] = [];
    const surplus: string[] = [];
    for (const r of rows) {
      const n = taken.get(r.subscriptionId) ?? 0;
      if (n >= perTarget) {
        surplus.push(r.id);
        continue;
      }
      taken.set(r.subscriptionId, n + 1);
      claimed.push({ ...r, body: typeof r.body === "string" ? r.body : JSON.stringify(r.body), roundStartedAt: new Date(r.roundStartedAt) });
    }
    if (surplus.length) await this.db(DELIVERIES).whereIn("id", surplus).update({ claimed_until: null });
    return claimed;
  }

  /**
   * Forgets settled deliveries created before `before`, and replayable creations past their
   * 24 h (both keep growing otherwise), a bounded batch at a time; answers how many went.
   */
  async purge(before: Date, batch = 5_000): Promise<number> {
    const { rows } = await this.db.raw<{ rows: unknown[] }>(
      `delete from ${DELIVERIES} where id in (select id from ${DELIVERIES} where created_at < ? and status <> 'pending' limit ?) returning id`,
      [before, batch],
    );
    await purgeExpiredKeys(this.db, NOTIFY_SCHEMA, this.clock);
    return rows.length;
  }

  /** When the next delivery comes due (for the dispatcher's sleep), if any is pending. */
  async nextDue(): Promise<Date | undefined> {
    const row: { at?: Date | null } | undefined = await this.db(DELIVERIES).where({ status: "pending" }).min({ at: "next_attempt_at" }).first();
    return row?.at ? new Date(row.at) : undefined;
  }

  /** A delivery the subscriber may no longer read: failed without an attempt, and not held against the subscription. */
  async drop(delivery: ClaimedDelivery, reason: string): Promise<void> {
    await this.db(DELIVERIES)
      .where({ id: delivery.id })
      .update({ status: "failed", last_error: reason, next_attempt_at: null, claimed_until: null });
  }

  /** Records successful attempts, many in one statement (the hot path: one write per batch, not per delivery). */
  async succeeded(attempts: Attempt[]): Promise<void> {
    if (!attempts.length) return;
    await this.db.raw(
      `update ${DELIVERIES} d set status = 'succeeded', attempts = d.attempts + 1, round_attempts = v.round_attempts,
          response_status = v.status, duration_ms = v.duration, last_error = null, last_attempt_at = v.at,
          next_attempt_at = null, claimed_until = null
         from unnest(?::uuid[], ?::int[], ?::int[], ?::timestamptz[], ?::int[]) as v(id, status, duration, at, round_attempts)
        where d.id = v.id`,
      [
        attempts.map((a) => a.delivery.id),
        attempts.map((a) => a.result.status ?? 0),
        attempts.map((a) => a.result.durationMs),
        attempts.map((a) => a.at.toISOString()),
        attempts.map((a) => a.delivery.roundAttempts + 1),
      ],
    );
    const failing = [...new Set(attempts.filter((a) => a.delivery.subscriptionFailures > 0).map((a) => a.delivery.subscriptionId))];
    if (failing.length) await this.db(SUBSCRIPTIONS).whereIn("id", failing).andWhere("consecutive_failures", ">", 0).update({ consecutive_failures: 0 });
  }

  /**
   * Records an attempt. A failure is retried per the backoff until the horizon; one that fails
   * for good adds to its subscription's run of failures, and the run reaching the threshold
   * disables the subscription (answered, so the caller tells its owner), failing what else it
   * had pending. A success ends the run.
   */
  async settle(delivery: ClaimedDelivery, result: SendResult, attemptedAt: Date): Promise<{ status: "succeeded" | "pending" | "failed"; disabled?: DisabledSubscription }> {
    const now = this.clock.now();
    const attempt = delivery.roundAttempts + 1;
    const common = {
      attempts: this.db.raw("attempts + 1"),
      round_attempts: attempt,
      response_status: result.status,
      duration_ms: result.durationMs,
      last_error: result.error,
      last_attempt_at: attemptedAt,
      claimed_until: null,
    };
    if (result.ok) {
      await this.succeeded([{ delivery, result, at: attemptedAt }]);
      return { status: "succeeded" };
    }
    const next = nextAttemptAt(this.options, attempt, delivery.roundStartedAt, now);
    if (next) {
      await this.db(DELIVERIES).where({ id: delivery.id }).update({ ...common, status: "pending", next_attempt_at: next });
      return { status: "pending" };
    }
    return this.db.transaction(async (trx) => {
      await trx(DELIVERIES).where({ id: delivery.id }).update({ ...common, status: "failed", next_attempt_at: null });
      const [sub] = await trx<SubscriptionRow>(SUBSCRIPTIONS)
        .where({ id: delivery.subscriptionId })
        .update({ consecutive_failures: trx.raw("consecutive_failures + 1") as unknown as number })
        .returning("*");
      if (!sub || !sub.enabled || sub.consecutive_failures < this.options.disableAfterFailures) return { status: "failed" as const };
      const reason = `disabled after ${sub.consecutive_failures} deliveries in a row failed (the last: ${result.error ?? "no answer"})`;
      await trx(SUBSCRIPTIONS).where({ id: sub.id }).update({ enabled: false, disabled_reason: reason.slice(0, 1000), updated_at: now });
      await trx(DELIVERIES)
        .where({ subscription_id: sub.id, status: "pending" })
        .update({ status: "failed", last_error: "the subscription was disabled", next_attempt_at: null, claimed_until: null });
      return {
        status: "failed" as const,
        disabled: { id: sub.id, userId: sub.user_id, projectId: sub.project_id, url: sub.url, failures: sub.consecutive_failures, disabledAt: now },
      };
    });
  }
}

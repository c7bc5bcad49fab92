import type { Clock } from "../../../libs/clock";
import type { Db } from "../../../libs/db";
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
   * Claims up to `limit` due deliveries, at most `perTarget` minus what is in flight (`busy`)
   * per subscription, oldest due first.
   */
  async claim(limit: number, perTarget: number, busy: ReadonlyMap<string, number>): Promise<ClaimedDelivery[]> {
    if (limit <= 0) return [];
    const now = this.clock.now();
    const saturated = [...busy].filter(([, n]) => n >= perTarget).map(([id]) => id);
    return this.db.transaction(async (trx) => {
      // Candidates are read without a lock and the chosen ones locked after (SKIP LOCKED), so a
      // replica never holds rows it does not send: the others take them meanwhile.
      const { rows } = await trx.raw<{ rows: { id: string; subscription_id: string }[] }>(
        `select d.id, d.subscription_id from ${DELIVERIES} d
          join ${SUBSCRIPTIONS} s on s.id = d.subscription_id and s.enabled
          where d.status = 'pending' and d.next_attempt_at <= ? and (d.claimed_until is null or d.claimed_until < ?)
            and not (d.subscription_id = any(?::uuid[]))
          order by d.next_attempt_at
          limit ?`,
        [now, now, saturated, Math.min(1000, limit * 4)],
      );
      const taken = new Map(busy);
      const chosen: string[] = [];
      for (const row of rows) {
        if (chosen.length >= limit) break;
        const n = taken.get(row.subscription_id) ?? 0;
        if (n >= perTarget) continue;
        taken.set(row.subscription_id, n + 1);
        chosen.push(row.id);
      }
      if (!chosen.length) return [];
      const locked: { id: string }[] = await trx(DELIVERIES)
        .whereIn("id", chosen)
        .andWhere({ status: "pending" })
        .andWhere((q) => q.whereNull("claimed_until").orWhere("claimed_until", "<", now))
        .select("id")
        .forUpdate()
        .skipLocked();
      const ids = locked.map((r) => r.id);
      if (!ids.length) return [];
      await trx(DELIVERIES).whereIn("id", ids).update({ claimed_until: new Date(now.getTime() + this.options.leaseMs) });
      const claimed = await trx(`${DELIVERIES} as d`)
        .join(`${SUBSCRIPTIONS} as s`, "s.id", "d.subscription_id")
        .leftJoin(`${MEMBERSHIPS} as m`, (j) => j.on("m.project_id", "d.project_id").andOn("m.user_id", "s.user_id"))
        .leftJoin(`${CONTACTS} as c`, "c.user_id", "s.user_id")
        .whereIn("d.id", ids)
        .select(
          "d.id",
          "d.subscription_id",
          "s.user_id",
          "s.url",
          "s.secret",
          "d.body",
          "d.round_attempts",
          "d.round_started_at",
          // Known to have left the project (a row with no role), or a disabled account.
          trx.raw("not ((m.user_id is not null and m.role is null) or coalesce(c.disabled, false)) as readable"),
        );
      return claimed.map((r) => ({
        id: r.id,
        subscriptionId: r.subscription_id,
        userId: r.user_id,
        url: r.url,
        secret: r.secret,
        body: typeof r.body === "string" ? r.body : JSON.stringify(r.body),
        roundAttempts: r.round_attempts,
        roundStartedAt: new Date(r.round_started_at),
        readable: r.readable,
      }));
    });
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
      await this.db(DELIVERIES).where({ id: delivery.id }).update({ ...common, status: "succeeded", next_attempt_at: null });
      await this.db(SUBSCRIPTIONS).where({ id: delivery.subscriptionId }).andWhere("consecutive_failures", ">", 0).update({ consecutive_failures: 0 });
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

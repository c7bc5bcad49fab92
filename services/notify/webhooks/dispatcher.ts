import type { Clock } from "../../../libs/clock";
import type { Turn } from "../../../libs/loop";
import { webhookDeliveries } from "../../../libs/metrics";
import type { Attempt, ClaimedDelivery, DeliveryQueue, DisabledSubscription } from "./delivery-queue";

/** Successes are recorded together: at once from this many, else this long after the first. */
const FLUSH_BATCH = 32;
const FLUSH_AFTER_MS = 20;
import type { SendRequest, SendResult } from "./sender";

export interface DispatcherOptions {
  /** Requests in flight at once in this process. */
  concurrency: number;
  /** Requests in flight at once to one subscription in this process. */
  concurrencyPerTarget: number;
  /** The longest the loop sleeps when nothing is due (other replicas' new rows are found by then). */
  idleMs: number;
}

export interface DispatcherDeps {
  queue: DeliveryQueue;
  clock: Clock;
  send: (req: SendRequest) => Promise<SendResult>;
  /** A subscription was just disabled: tell its owner. */
  onDisabled: (sub: DisabledSubscription) => Promise<void>;
  /** More capacity is free: run the loop's next turn now. */
  wake: () => void;
  onError: (err: unknown) => void;
}

/**
 * Sends due deliveries with bounded concurrency, overall and per subscription, so a slow or
 * dead target holds at most its own slots and never the others' (nor the API: all of this
 * runs in notify). Each turn claims as many rows as there are free slots and starts them; a
 * finished send frees its slot and wakes the loop.
 */
export class WebhookDispatcher {
  private inFlight = 0;
  private readonly perTarget = new Map<string, number>();
  private readonly running = new Set<Promise<void>>();
  private succeeded: Attempt[] = [];
  private flushTimer?: NodeJS.Timeout;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: DispatcherDeps,
    private readonly options: DispatcherOptions,
  ) {}

  async runOnce(): Promise<Turn> {
    const free = this.options.concurrency - this.inFlight;
    // Claim in batches: with sends in flight, wait until a quarter of the slots are free (each
    // finished send wakes the loop), rather than one claim per freed slot.
    if (free <= 0 || (this.inFlight > 0 && free < Math.ceil(this.options.concurrency / 4))) return { sleepMs: this.options.idleMs };
    const claimed = await this.deps.queue.claim(free, this.options.concurrencyPerTarget, this.perTarget);
    for (const delivery of claimed) this.start(delivery);
    if (claimed.length === free) return { sleepMs: this.options.idleMs };
    if (claimed.length > 0) return { again: true };
    // Nothing claimable while sends are in flight (their targets are saturated): each finished send wakes the loop.
    if (this.inFlight > 0) return { sleepMs: this.options.idleMs };
    const next = await this.deps.queue.nextDue();
    const wait = next ? next.getTime() - this.deps.clock.now().getTime() : this.options.idleMs;
    return { sleepMs: Math.max(10, Math.min(this.options.idleMs, wait)) };
  }

  /** Waits for the sends in flight (each bounded by the timeout) and records their outcomes. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.running]);
    await this.flush();
  }

  /** Records the successes waiting; a failure to record leaves them claimed, to be sent again when the lease runs out. */
  private flush(): Promise<void> {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const batch = this.succeeded;
    this.succeeded = [];
    this.flushing = this.flushing
      .then(async () => {
        await this.deps.queue.succeeded(batch);
        webhookDeliveries.inc({ status: "succeeded" }, batch.length);
      })
      .catch(this.deps.onError);
    return this.flushing;
  }

  get size(): number {
    return this.inFlight;
  }

  private start(delivery: ClaimedDelivery): void {
    this.inFlight++;
    this.perTarget.set(delivery.subscriptionId, (this.perTarget.get(delivery.subscriptionId) ?? 0) + 1);
    const work = this.deliver(delivery)
      .catch(this.deps.onError)
      .finally(() => {
        this.inFlight--;
        const n = (this.perTarget.get(delivery.subscriptionId) ?? 1) - 1;
        if (n > 0) this.perTarget.set(delivery.subscriptionId, n);
        else this.perTarget.delete(delivery.subscriptionId);
        this.running.delete(work);
        this.deps.wake();
      });
    this.running.add(work);
  }

  private async deliver(delivery: ClaimedDelivery): Promise<void> {
    if (!delivery.readable) {
      await this.deps.queue.drop(delivery, "not sent: the subscriber may no longer read this task");
      webhookDeliveries.inc({ status: "dropped" });
      return;
    }
    const at = this.deps.clock.now();
    const result = await this.deps.send({ url: delivery.url, secret: delivery.secret, messageId: delivery.id, body: delivery.body, at });
    if (result.ok) {
      this.succeeded.push({ delivery, result, at });
      if (this.succeeded.length >= FLUSH_BATCH) void this.flush();
      else this.flushTimer ??= setTimeout(() => void this.flush(), FLUSH_AFTER_MS);
      return;
    }
    const settled = await this.deps.queue.settle(delivery, result, at);
    webhookDeliveries.inc({ status: settled.status === "pending" ? "retrying" : settled.status });
    if (settled.disabled) await this.deps.onDisabled(settled.disabled);
  }
}

import type { Clock } from "../../../libs/clock";
import type { WebhookConfig } from "../../../libs/config";
import type { Db } from "../../../libs/db";
import { WakeableLoop } from "../../../libs/loop";
import type { CursorCodec } from "../../../libs/task-query";
import { DeliveryQueue, DisabledSubscription } from "./delivery-queue";
import { WebhookDispatcher } from "./dispatcher";
import { ReadCheck, WebhookFanOut } from "./fan-out";
import { WebhookSender } from "./sender";
import { WebhookSubscriptions } from "./subscriptions";

/** A claim outlives the request's timeout by this much before another replica may take the row. */
const LEASE_MARGIN_MS = 30_000;
/** Other replicas' new deliveries are found within this long (the consuming replica wakes at once). */
const IDLE_MS = 1_000;
/** The delivery log keeps settled deliveries this long; they are purged hourly. */
export const DELIVERY_RETENTION_MS = 30 * 24 * 3600_000;
const PURGE_EVERY_MS = 3600_000;

export interface WebhooksDeps {
  db: Db;
  clock: Clock;
  config: WebhookConfig;
  cursors: CursorCodec;
  readCheck: ReadCheck;
  onDisabled: (sub: DisabledSubscription) => Promise<void>;
  onError: (err: unknown) => void;
}

/** Outbound webhooks in notify: the subscriptions, the fan-out of events into deliveries, and the dispatcher that sends them. */
export function createWebhooks({ db, clock, config, cursors, readCheck, onDisabled, onError }: WebhooksDeps) {
  const subscriptions = new WebhookSubscriptions(db, clock, cursors, { allowedHosts: config.allowedHosts });
  const fanOut = new WebhookFanOut(db, clock, readCheck);
  const queue = new DeliveryQueue(db, clock, {
    baseMs: config.retryBaseMs,
    horizonMs: config.retryHorizonMs,
    leaseMs: config.timeoutMs + LEASE_MARGIN_MS,
    disableAfterFailures: config.disableAfterFailures,
  });
  const sender = new WebhookSender({ timeoutMs: config.timeoutMs, allowedHosts: config.allowedHosts });
  let loop: WakeableLoop | undefined;
  let purgeTimer: NodeJS.Timeout | undefined;
  const dispatcher = new WebhookDispatcher(
    { queue, clock, send: (req) => sender.send(req), onDisabled, wake: () => loop?.poke(), onError },
    { concurrency: config.concurrency, concurrencyPerTarget: config.concurrencyPerTarget, idleMs: IDLE_MS },
  );
  return {
    subscriptions,
    /** A consumed event became deliveries: send them now rather than at the next poll. */
    async delivered(added: Promise<number>): Promise<void> {
      if ((await added) > 0) loop?.poke();
    },
    fanOut,
    /** A delivery was made due (redelivered): look now. */
    poke(): void {
      loop?.poke();
    },
    start(): void {
      loop = new WakeableLoop(() => dispatcher.runOnce(), onError, IDLE_MS);
      loop.start();
      purgeTimer = setInterval(() => {
        void queue.purge(new Date(clock.now().getTime() - DELIVERY_RETENTION_MS)).catch(onError);
      }, PURGE_EVERY_MS).unref();
    },
    async stop(): Promise<void> {
      clearInterval(purgeTimer);
      await loop?.stop();
      await dispatcher.drain();
      sender.close();
    },
  };
}
export type Webhooks = ReturnType<typeof createWebhooks>;

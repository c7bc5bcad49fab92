/**
 * How a caller stops waiting on a process that is gone (issue 13). A process killed without a
 * goodbye stays in every registry until its heartbeats are missed, and a request sent to it
 * meanwhile is answered by nobody: only a timeout ends it. So: heartbeats often enough that a
 * dead node leaves within seconds, a short timeout for reads (which may be sent again), a
 * retry of such a read on another replica, and a circuit breaker that stops picking an
 * endpoint that keeps not answering. Overload must not look like death (issue 14): a timeout
 * of a peer whose heartbeats still arrive is neither retried nor counted by the breaker, and
 * retries are held to a tenth of the reads.
 */
import type { BrokerOptions, CallingOptions, Middleware, ServiceBroker } from "moleculer";

/**
 * Seconds. Every node broadcasts a heartbeat each second (±0.5 s jitter, a few hundred bytes
 * to each other node) and checks its peers every HEARTBEAT_TIMEOUT_S; Moleculer counts whole
 * seconds, so a silent node is dropped 4 to 7 s after its last beat, down from 30 to 60 s.
 * A process whose event loop stalls longer than that is dropped too, and rediscovered at its
 * next heartbeat.
 */
export const HEARTBEAT_INTERVAL_S = 1;
export const HEARTBEAT_TIMEOUT_S = 3;

/**
 * A peer none of whose heartbeats arrived for this long is taken for dead, to the millisecond:
 * Moleculer's own check counts whole seconds on a HEARTBEAT_TIMEOUT_S timer and drops a killed
 * node 4 to 7 s after its last beat, which holds a change sent to it (no short timeout: it may
 * not be retried) that long. Beats come every 0.5 to 1.5 s (the interval and Moleculer's fixed
 * per-process jitter), so 2 s leaves half a second for a busy sender; a caller then answers 503
 * within about 2.3 s of a peer's death, inside the 3 s the fault suite allows (issue 13).
 */
export const SILENT_AFTER_MS = 2_000;
const WATCH_EVERY_MS = 250;

/**
 * When each peer's last heartbeat arrived (kept by dropSilentNodes). Under overload a busy peer
 * still beats (a timer, not a queued request), so a read that timed out on a peer heard within
 * SUSPECT_AFTER_MS met a queue, not a dead process: sending it again, or taking the peer out of
 * the balancer, would add load just where there is least CPU to spare.
 */
export class Heartbeats {
  readonly heard = new Map<string, number>();
  /** Each peer's last gap between two beats: its own interval (fixed per process), as received. */
  private readonly gaps = new Map<string, number>();
  constructor(private readonly now: () => number = Date.now) {}

  beat(nodeID: string): void {
    const t = this.now();
    const last = this.heard.get(nodeID);
    if (last !== undefined) this.gaps.set(nodeID, t - last);
    this.heard.set(nodeID, t);
  }

  /** A dropped peer starts afresh when it beats again. */
  forget(nodeID: string): void {
    this.heard.delete(nodeID);
    this.gaps.delete(nodeID);
  }

  /**
   * A peer never heard from (or dropped, which forgets it) counts as silent. A read sent to a
   * peer after its death times out READ_TIMEOUT_MS later, by then silent at least that long.
   */
  suspect(nodeID: unknown, silentMs = SUSPECT_AFTER_MS): boolean {
    const last = typeof nodeID === "string" ? this.heard.get(nodeID) : undefined;
    return last === undefined || this.now() - last >= silentMs;
  }

  /**
   * Silent past its own interval by BEAT_SLACK_MS: a beat is missing, not merely not due yet. A
   * fixed threshold under the slowest interval (SUSPECT_AFTER_MS) finds a live peer that beats
   * every 1.5 s "suspect" a third of the time; the breaker counting that opened on live peers
   * under load (issue 14). A gap longer than MAX_BEAT_INTERVAL_MS (the receiver was busy) counts as that.
   */
  missedBeat(nodeID: unknown): boolean {
    const last = typeof nodeID === "string" ? this.heard.get(nodeID) : undefined;
    if (last === undefined) return true;
    const interval = Math.min(this.gaps.get(nodeID as string) ?? MAX_BEAT_INTERVAL_MS, MAX_BEAT_INTERVAL_MS);
    return this.now() - last >= Math.max(SUSPECT_AFTER_MS, interval + BEAT_SLACK_MS);
  }
}

/** Beats come every 0.5–1.5 s (fixed per process); the most of them a live, loaded peer skips is one. */
export const SUSPECT_AFTER_MS = 1_000;
/** The slowest a live peer beats: HEARTBEAT_INTERVAL_S plus Moleculer's jitter of up to half a second. */
export const MAX_BEAT_INTERVAL_MS = HEARTBEAT_INTERVAL_S * 1_000 + 500;
/** How late past its own interval a peer's beat is taken for missing. */
export const BEAT_SLACK_MS = 500;

interface NodeRegistry {
  discoverer: { heartbeatReceived(nodeID: string, payload: unknown): unknown };
  nodes: { toArray(): { id: string; local: boolean; available: boolean }[]; disconnected(nodeID: string, unexpected: boolean): void };
}

/**
 * Drops a remote node silent for SILENT_AFTER_MS as Moleculer does after its heartbeat timeout:
 * out of the registry, its pending requests rejected (REQUEST_REJECTED, a 503). It comes back
 * with its next heartbeat. A tick that ran late means this process stalled, and the peers'
 * heartbeats may be waiting unread in its socket: that tick judges no one.
 */
export function dropSilentNodes(silentAfterMs = SILENT_AFTER_MS, now: () => number = Date.now, heartbeats = new Heartbeats(now)): Middleware {
  const heard = heartbeats.heard;
  let timer: NodeJS.Timeout | undefined;
  return {
    name: "DropSilentNodes",
    started(broker: ServiceBroker) {
      const registry = broker.registry as unknown as NodeRegistry;
      const discoverer = registry.discoverer;
      const received = discoverer.heartbeatReceived.bind(discoverer);
      discoverer.heartbeatReceived = (nodeID, payload) => {
        heartbeats.beat(nodeID);
        return received(nodeID, payload);
      };
      let lastTick = now();
      timer = setInterval(() => {
        const t = now();
        const stalled = t - lastTick > 2 * WATCH_EVERY_MS;
        lastTick = t;
        if (stalled) return;
        for (const node of registry.nodes.toArray()) {
          if (node.local || !node.available) continue;
          const last = heard.get(node.id);
          if (last === undefined) heard.set(node.id, t);
          else if (t - last > silentAfterMs) {
            broker.logger.warn(`No heartbeat from '${node.id}' for ${t - last} ms: taken for dead until it beats again`);
            heartbeats.forget(node.id);
            registry.nodes.disconnected(node.id, true);
          }
        }
      }, WATCH_EVERY_MS);
      timer.unref();
    },
    stopped() {
      clearInterval(timer);
    },
  } as unknown as Middleware;
}

/**
 * A remote read that has not answered in this long is taken for unreachable: the caller gets a
 * 503 (or the next replica) instead of waiting REQUEST_TIMEOUT_MS. Our reads answer in tens of
 * milliseconds; a gateway request that needs two of them to a dead node (the caller's
 * memberships, then the data) still answers within 3 s.
 */
export const READ_TIMEOUT_MS = 1_500;
/** Changes keep the long timeout: a timed-out change may have been made, and is never retried. */
export const REQUEST_TIMEOUT_MS = 10_000;

/** The part of Moleculer's registry read here (its typings leave it out). */
interface Endpoints {
  endpoints: { id: string; isAvailable: boolean }[];
  hasLocal(): boolean;
}
const endpointsOf = (broker: Pick<ServiceBroker, "registry"> | undefined, action: string) =>
  (broker?.registry as unknown as { getActionEndpoints(action: string): Endpoints | undefined } | undefined)?.getActionEndpoints(action);

interface TransportError {
  type?: unknown;
  data?: { action?: unknown; nodeID?: unknown } | null;
}

/**
 * `call` middleware: a remote read without a timeout of its own gets READ_TIMEOUT_MS. A local
 * endpoint is never unreachable, so a read the balancer would serve here keeps the long one.
 */
export function readTimeouts(idempotent: ReadonlySet<string>, timeoutMs = READ_TIMEOUT_MS, budget?: RetryBudget): Middleware {
  return {
    name: "ReadTimeouts",
    // Moleculer calls the hook with the broker as `this`.
    call(this: Pick<ServiceBroker, "registry">, next: (action: string, params: unknown, opts?: CallingOptions) => Promise<unknown>) {
      const broker = this;
      return (action: string, params: unknown, opts: CallingOptions = {}) => {
        if (opts.timeout == null && idempotent.has(action) && !endpointsOf(broker, action)?.hasLocal()) {
          budget?.called();
          return next(action, params, { ...opts, timeout: timeoutMs });
        }
        return next(action, params, opts);
      };
    },
  } as unknown as Middleware;
}

/**
 * Retries may add at most one for each `readsPerRetry` remote reads sent (plus a `burst`): a dead
 * replica's reads go elsewhere, but a slow stack is never asked for the same work twice over.
 * A token is taken when a failure qualifies, whether or not Moleculer still has an attempt left
 * (its check cannot see the attempt count), so the budget errs on the side of fewer retries.
 */
export class RetryBudget {
  /** Counted in reads sent (whole numbers: no rounding drift); a retry costs `readsPerRetry`. */
  private credit: number;
  constructor(
    readonly readsPerRetry = 10,
    readonly burst = 10,
  ) {
    this.credit = burst * readsPerRetry;
  }
  called(): void {
    this.credit = Math.min(this.burst * this.readsPerRetry, this.credit + 1);
  }
  spend(): boolean {
    if (this.credit < this.readsPerRetry) return false;
    this.credit -= this.readsPerRetry;
    return true;
  }
}

/**
 * The retry policy's test: only a read whose peer looks gone (rejected because its node left
 * the registry, or unanswered by a peer not heard from lately), only while another replica
 * could take it (with none, a second try would wait as long for the same silence), and only
 * within the retry budget. A timeout of a peer still beating is queueing: answered as is.
 */
export function retriesElsewhere(
  idempotent: ReadonlySet<string>,
  broker: () => Pick<ServiceBroker, "registry"> | undefined,
  heartbeats: Pick<Heartbeats, "suspect"> = { suspect: () => true },
  budget: Pick<RetryBudget, "spend"> = { spend: () => true },
) {
  return (err: unknown): boolean => {
    const e = (err ?? {}) as TransportError;
    const gone = e.type === "REQUEST_REJECTED" || (e.type === "REQUEST_TIMEOUT" && heartbeats.suspect(e.data?.nodeID));
    if (!gone) return false;
    const action = e.data?.action;
    if (typeof action !== "string" || !idempotent.has(action)) return false;
    const elsewhere = (endpointsOf(broker(), action)?.endpoints ?? []).some((ep) => ep.isAvailable && ep.id !== e.data?.nodeID);
    return elsewhere && budget.spend();
  };
}

/**
 * Opens an endpoint (node + action) that left half of at least 2 calls unanswered in a 10 s
 * window, for 5 s: the balancer then skips it, or the caller gets SERVICE_NOT_AVAILABLE at once.
 * Only silence counts, and only from a peer whose heartbeats stopped too: an error the service
 * answered with (a 500, a 503 of its own database) says the node is there, and a timeout of a
 * peer still beating is queueing under load, where opening would turn slow answers into a
 * burst of refusals (issue 14: 2,496 of them in one overloaded search run).
 */
export function circuitBreaker(heartbeats: Pick<Heartbeats, "missedBeat"> = { missedBeat: () => true }): NonNullable<BrokerOptions["circuitBreaker"]> {
  return {
    enabled: true,
    threshold: 0.5,
    minRequestCount: 2,
    windowTime: 10,
    halfOpenTime: 5_000,
    check: (err: Error) => {
      const e = err as TransportError;
      return e.type === "REQUEST_TIMEOUT" && heartbeats.missedBeat(e.data?.nodeID);
    },
  };
}

/** The broker options and middlewares above, sharing one record of heartbeats and one retry budget. */
export function failFast(idempotent: ReadonlySet<string>, broker: () => ServiceBroker | undefined): { options: Partial<BrokerOptions>; middlewares: Middleware[] } {
  const heartbeats = new Heartbeats();
  const budget = new RetryBudget();
  return {
    options: {
      heartbeatInterval: HEARTBEAT_INTERVAL_S,
      heartbeatTimeout: HEARTBEAT_TIMEOUT_S,
      circuitBreaker: circuitBreaker(heartbeats),
      // Broker-wide, but `check` lets through only reads whose peer looks gone, within the budget.
      retryPolicy: { enabled: true, retries: 1, delay: 50, maxDelay: 50, factor: 1, check: retriesElsewhere(idempotent, broker, heartbeats, budget) as (err: Error) => boolean },
    },
    middlewares: [readTimeouts(idempotent, READ_TIMEOUT_MS, budget), dropSilentNodes(SILENT_AFTER_MS, Date.now, heartbeats)],
  };
}

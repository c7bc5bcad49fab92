/**
 * How a caller stops waiting on a process that is gone (issue 13). A process killed without a
 * goodbye stays in every registry until its heartbeats are missed, and a request sent to it
 * meanwhile is answered by nobody: only a timeout ends it. So: heartbeats often enough that a
 * dead node leaves within seconds, a short timeout for reads (which may be sent again), a
 * retry of such a read on another replica, and a circuit breaker that stops picking an
 * endpoint that keeps not answering.
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
export function readTimeouts(idempotent: ReadonlySet<string>, timeoutMs = READ_TIMEOUT_MS): Middleware {
  return {
    name: "ReadTimeouts",
    // Moleculer calls the hook with the broker as `this`.
    call(this: Pick<ServiceBroker, "registry">, next: (action: string, params: unknown, opts?: CallingOptions) => Promise<unknown>) {
      const broker = this;
      return (action: string, params: unknown, opts: CallingOptions = {}) => {
        if (opts.timeout == null && idempotent.has(action) && !endpointsOf(broker, action)?.hasLocal()) {
          return next(action, params, { ...opts, timeout: timeoutMs });
        }
        return next(action, params, opts);
      };
    },
  } as unknown as Middleware;
}

/**
 * The retry policy's test: only a read that went unanswered, and only while another replica
 * could take it (with none, a second try would wait as long for the same silence).
 */
export function retriesElsewhere(idempotent: ReadonlySet<string>, broker: () => Pick<ServiceBroker, "registry"> | undefined) {
  return (err: unknown): boolean => {
    const e = (err ?? {}) as TransportError;
    if (e.type !== "REQUEST_TIMEOUT") return false;
    const action = e.data?.action;
    if (typeof action !== "string" || !idempotent.has(action)) return false;
    return (endpointsOf(broker(), action)?.endpoints ?? []).some((ep) => ep.isAvailable && ep.id !== e.data?.nodeID);
  };
}

/**
 * Opens an endpoint (node + action) that left half of at least 2 calls unanswered in a 10 s
 * window, for 5 s: the balancer then skips it, or the caller gets SERVICE_NOT_AVAILABLE at once.
 * Only silence counts: an error the service answered with (a 500, a 503 of its own database)
 * says the node is there, and must not take the action away from every other caller.
 */
export const CIRCUIT_BREAKER: NonNullable<BrokerOptions["circuitBreaker"]> = {
  enabled: true,
  threshold: 0.5,
  minRequestCount: 2,
  windowTime: 10,
  halfOpenTime: 5_000,
  check: (err: Error) => (err as TransportError).type === "REQUEST_TIMEOUT",
};

/** The broker options above, for a broker whose peers are other processes. */
export function failFastOptions(idempotent: ReadonlySet<string>, broker: () => ServiceBroker | undefined): Partial<BrokerOptions> {
  return {
    heartbeatInterval: HEARTBEAT_INTERVAL_S,
    heartbeatTimeout: HEARTBEAT_TIMEOUT_S,
    circuitBreaker: CIRCUIT_BREAKER,
    // Broker-wide, but `check` lets through only unanswered reads with another replica to go to.
    retryPolicy: { enabled: true, retries: 1, delay: 50, maxDelay: 50, factor: 1, check: retriesElsewhere(idempotent, broker) as (err: Error) => boolean },
  };
}

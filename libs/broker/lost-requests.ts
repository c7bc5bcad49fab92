import { Context, Errors, Middleware, ServiceBroker } from "moleculer";

/**
 * NATS delivers at most once: a request, or its answer, can be lost with a connection or a route
 * when one server of a cluster goes. A lost read times out in 1.5 s (./fail-fast), but a change
 * keeps the long timeout, so its caller would wait 10 s for an answer that never comes. Two
 * things end such waits early:
 *
 * - a process whose connection drops fails its own pending calls at once, and once back says so
 *   on the bus; every caller then fails what it had pending with that process;
 * - a change still unanswered after PROBE_AFTER_MS asks its callee, by the callee's own subject,
 *   whether the request reached it. "Never came" or "answered" (the answer is ordered before the
 *   reply to the question, on the same connections, so it is lost) fails the call at once; "still
 *   running" waits and asks again. A callee that does not reply is left to the timeout: under
 *   overload a slow reply is no sign of loss.
 *
 * Failed this way, a call is rejected (a 503 to the client, never retried when not idempotent):
 * the same answer the timeout would have given, seconds sooner.
 */
export const PROBE_AFTER_MS = 2_000;
/** How long a callee remembers a request it was sent (longer than any request timeout). */
const REMEMBER_MS = 30_000;

type Pending = { nodeID: string; action: { name: string }; reject(err: Error): void };
type RequestState = "running" | "answered";
export type ProbeAnswer = RequestState | "unknown";

interface NatsBusClient {
  status?(): AsyncIterable<{ type: string }>;
  subscribe(subject: string, opts: { callback(err: unknown, msg?: NatsMsg): void }): unknown;
  publish(subject: string, data: Uint8Array): void;
  request(subject: string, data: Uint8Array, opts: { timeout: number }): Promise<{ data: Uint8Array }>;
}
interface NatsMsg {
  data: Uint8Array;
  respond(data: Uint8Array): boolean;
}
interface Transit {
  tx?: { prefix: string; client?: NatsBusClient };
  pendingRequests: Map<string, Pending>;
}
type Packet = { type: string; payload: { id?: string } };

const encode = (s: string) => new TextEncoder().encode(s);
const decode = (b: Uint8Array) => new TextDecoder().decode(b);

/** Requests this process was sent, by id, for as long as a caller may still wait on one. */
export class SeenRequests {
  private current = new Map<string, RequestState>();
  private previous = new Map<string, RequestState>();
  private turnedAt: number;

  constructor(
    private readonly now: () => number = Date.now,
    private readonly keepMs = REMEMBER_MS,
  ) {
    this.turnedAt = now();
  }

  record(id: string, state: RequestState): void {
    // Two generations: each entry lives between keepMs / 2 and keepMs, at a map swap's cost.
    if (this.now() - this.turnedAt >= this.keepMs / 2) {
      this.previous = this.current;
      this.current = new Map();
      this.turnedAt = this.now();
    }
    this.current.set(id, state);
  }

  stateOf(id: string): ProbeAnswer {
    return this.current.get(id) ?? this.previous.get(id) ?? "unknown";
  }
}

/** The middlewares and the watch on the NATS connection that end waits for lost requests. */
export function lostRequests(probeAfterMs = PROBE_AFTER_MS): Middleware {
  const seen = new SeenRequests();
  let broker: ServiceBroker | undefined;
  const transitOf = () => broker?.transit as unknown as Transit | undefined;
  const fail = (id: string) => {
    const pending = transitOf()?.pendingRequests;
    const req = pending?.get(id);
    if (!req) return;
    pending!.delete(id);
    req.reject(new Errors.RequestRejectedError({ action: req.action.name, nodeID: req.nodeID }));
  };
  const subject = (what: string, nodeID?: string) => `${transitOf()!.tx!.prefix}.TODOGENIE.${what}${nodeID ? `.${nodeID}` : ""}`;

  async function ask(nodeID: string, id: string): Promise<ProbeAnswer | undefined> {
    const client = transitOf()?.tx?.client;
    if (!client) return undefined;
    try {
      const reply = await client.request(subject("SEEN", nodeID), encode(id), { timeout: probeAfterMs });
      return decode(reply.data) as ProbeAnswer;
    } catch {
      return undefined; // no reply (slow, reconnecting, or gone): the timeout and the watches decide
    }
  }

  return {
    name: "LostRequests",
    // The callee's side: what it was sent and what it answered, recorded as the packets pass.
    transitMessageHandler(next: (cmd: string, packet: Packet) => unknown) {
      return (cmd: string, packet: Packet) => {
        if (cmd === "REQ" && packet.payload.id) seen.record(packet.payload.id, "running");
        return next(cmd, packet);
      };
    },
    transitPublish(next: (packet: Packet) => unknown) {
      return (packet: Packet) => {
        if (packet.type === "RES" && packet.payload.id) seen.record(packet.payload.id, "answered");
        return next(packet);
      };
    },
    // The caller's side: a change (a call with more time than two probes) asks after PROBE_AFTER_MS.
    remoteAction(next: (ctx: Context) => Promise<unknown>) {
      return (ctx: Context) => {
        const pending = next(ctx);
        const timeout = ctx.options.timeout ?? broker?.options.requestTimeout ?? 0;
        if (!(timeout > 2 * probeAfterMs) || !ctx.nodeID) return pending;
        let timer: NodeJS.Timeout | undefined;
        let settled = false;
        const probe = async () => {
          const answer = await ask(ctx.nodeID!, ctx.id);
          if (settled) return;
          if (answer === "unknown" || answer === "answered") fail(ctx.id);
          else timer = setTimeout(probe, probeAfterMs);
        };
        timer = setTimeout(probe, probeAfterMs);
        return pending.finally(() => {
          settled = true;
          clearTimeout(timer);
        });
      };
    },
    created(created: ServiceBroker) {
      broker = created;
      // Said again after each reconnect, mostly on the same client.
      broker.localBus.on("$transporter.connected", () => watchConnection(transitOf, seen, fail, subject));
    },
  } as unknown as Middleware;
}

const watched = new WeakSet<object>();

function watchConnection(
  transitOf: () => Transit | undefined,
  seen: SeenRequests,
  fail: (id: string) => void,
  subject: (what: string, nodeID?: string) => string,
): void {
  const transit = transitOf();
  const client = transit?.tx?.client;
  if (!client?.status || watched.has(client)) return;
  watched.add(client);
  const failWhere = (which: (req: Pending) => boolean) => {
    for (const [id, req] of transit!.pendingRequests) if (which(req)) fail(id);
  };
  const nodeID = (transit as unknown as { nodeID: string }).nodeID;
  // nats.js subscribes again by itself after each reconnect.
  client.subscribe(subject("RECONNECTED"), { callback: (_err, msg) => msg && failWhere((req) => req.nodeID === decode(msg.data)) });
  client.subscribe(subject("SEEN", nodeID), { callback: (_err, msg) => msg?.respond(encode(seen.stateOf(decode(msg.data)))) });
  const status = client.status();
  void (async () => {
    try {
      for await (const s of status) {
        if (s.type === "disconnect") failWhere(() => true);
        if (s.type === "reconnect") client.publish(subject("RECONNECTED"), encode(nodeID));
      }
    } catch {
      // The connection closed: nothing left to watch.
    }
  })();
}

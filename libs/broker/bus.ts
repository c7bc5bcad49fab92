/**
 * Typed use of the bus declared in libs/contracts/bus.ts: calls, broadcasts and sends are
 * checked against it at compile time; actions and channel handlers parse what they receive
 * at run time with the same schemas.
 */
import type { CallingOptions, Context, Service, ServiceActionsSchema, ServiceBroker, ServiceEvents } from "moleculer";
import { z } from "zod";
import {
  ACTIONS,
  ActionName,
  BusService,
  CHANNELS_ON_BUS,
  ChannelName,
  EVENTS_ON_BUS,
  EventName,
  EventPayloadOf,
  ParamsOf,
  ParsedParamsOf,
  PayloadOf,
  ResultOf,
} from "../contracts/bus";
import type { AuthMeta, CallMeta } from "../contracts/auth";
import { TASK_CHANNELS, TaskChannel, TaskEvent } from "../contracts/events";
import type { DeadLetterSink } from "../dead-letters";
import { parseOr422 } from "../errors/zod";
import { isDatabaseConnectionLost, isTransportError } from "../errors/problem";
import { busIdentityOf } from "./identity";

/** Anything that can call: a broker, or a context (which carries its caller's meta along). */
type Caller = Pick<ServiceBroker, "call"> | Pick<Context, "call">;

/** Calls a declared action; the action's name, params and result are checked against the registry. */
export function call<A extends ActionName>(caller: Caller, action: A, params: ParamsOf<A>, opts?: CallingOptions): Promise<ResultOf<A>> {
  return (caller.call as (a: string, p: unknown, o?: CallingOptions) => Promise<ResultOf<A>>)(action, params, opts);
}

/** Calls as a user: only their id, roles and packed rules travel, signed with this broker's bus key. */
export function callAs<A extends ActionName>(caller: Caller, auth: AuthMeta, action: A, params: ParamsOf<A>): Promise<ResultOf<A>> {
  const identity = busIdentityOf(caller);
  if (!identity) return Promise.reject(new Error(`${action}: this broker holds no bus key, so it cannot act as a user (create it with createBroker)`));
  const meta: CallMeta = { auth, authSig: identity.sign(auth) };
  return call(caller, action, params, { meta });
}

/** A lossy event to every service of `group` (or every node). */
export function broadcast<E extends EventName>(broker: Pick<ServiceBroker, "broadcast">, event: E, payload: EventPayloadOf<E>, group?: string) {
  return group === undefined ? broker.broadcast(event, payload) : broker.broadcast(event, payload, group);
}

type MethodOf<S extends string, A extends string> = A extends `${S}.${infer M}` ? M : never;
type Handler<A extends ActionName> = (params: ParsedParamsOf<A>, ctx: Context) => Promise<ResultOf<A>> | ResultOf<A>;
/** Exactly the actions the registry declares for service `S`: a missing or extra one does not compile. */
export type ActionHandlers<S extends BusService> = { [A in ActionName as MethodOf<S, A>]: Handler<A> };

/** The `actions` of a service schema, each parsing its params against the registry before the handler runs. */
export function serviceActions<S extends BusService>(service: S, handlers: NoInfer<ActionHandlers<S>>): ServiceActionsSchema {
  return Object.fromEntries(
    Object.entries(handlers as Record<string, Handler<ActionName>>).map(([method, handler]) => {
      const name = `${service}.${method}` as ActionName;
      const schema: z.ZodType = ACTIONS[name].params;
      return [method, (ctx: Context) => handler(parseOr422(schema, ctx.params ?? {}, "params", `Invalid params for ${name}`) as never, ctx)];
    }),
  );
}

type ChannelHandler<C extends ChannelName> = (payload: PayloadOf<C>) => Promise<void>;

/**
 * How many times a channel message is tried before it becomes a dead letter. On JetStream
 * these are deliveries (the adapter's own limit sits above it, so it never drops a message
 * we have not recorded); in-process, where nothing is redelivered, they are retries here.
 */
export const CHANNEL_MAX_DELIVERIES = 5;
/** A message that failed for an outage goes back to JetStream after this long. */
const OUTAGE_RETRY_MS = 1_000;

/** An error that says a dependency is down, not that the message is bad. */
function isOutage(err: unknown): boolean {
  const type = (err as { type?: unknown } | null)?.type;
  return isDatabaseConnectionLost(err) || isTransportError(err) || type === "UNAVAILABLE";
}

/** In-process retries wait this much longer each time (JetStream redelivers on its own). */
const LOCAL_RETRY_STEP_MS = 50;

/**
 * JetStream redelivers a message not acknowledged within this long. Its default, 30 s, is how
 * long the messages a killed consumer held wait before another (or its restart) gets them: 5 s
 * keeps a crash's backlog within the 5 s catch-up of issue 13. A handler running longer tells
 * JetStream it is still at work (`keepWorking`), so it is not redelivered meanwhile.
 */
export const CHANNEL_ACK_WAIT_MS = 5_000;

/** While `work` runs, tells JetStream every half ack wait that the message is in progress. */
async function keepWorking<T>(raw: unknown, work: () => Promise<T>): Promise<T> {
  const working = (raw as { working?: () => void } | undefined)?.working;
  if (typeof working !== "function") return work();
  const timer = setInterval(() => working.call(raw), CHANNEL_ACK_WAIT_MS / 2);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

/** The adapter's second handler argument: a JetStream message carries its delivery count. */
function deliveryCount(raw: unknown): number | undefined {
  const count = (raw as { info?: { redeliveryCount?: unknown } } | undefined)?.info?.redeliveryCount;
  return typeof count === "number" ? count : undefined;
}

/**
 * `channels` of a service schema: one consumer group, each message parsed against the registry.
 * A message that does not parse would fail the same way on every redelivery, so it goes to the
 * dead letters at once rather than being retried. One whose handler keeps failing is retried
 * up to CHANNEL_MAX_DELIVERIES times, then recorded in `deadLetters` (with a metric and an
 * error log line) and acknowledged: nothing leaves the channel unseen. Without a sink (tests
 * of the bus alone) it is logged and dropped.
 */
export function channelHandlers<C extends ChannelName>(
  group: string,
  handlers: { [K in C]: ChannelHandler<K> },
  /** Adapter options per channel (e.g. `nats.consumerOptions`). */
  options: { [K in C]?: object } = {},
  deadLetters?: DeadLetterSink,
): Record<string, { group: string; handler: (this: Service, payload: unknown, raw?: unknown) => Promise<void> }> {
  return Object.fromEntries(
    (Object.entries(handlers) as [C, ChannelHandler<C>][]).map(([channel, handler]) => {
      const schema: z.ZodType = CHANNELS_ON_BUS[channel];
      const giveUp = async (service: Service, payload: unknown, error: unknown, attempts: number, kind = "") => {
        const subject = (payload as { taskId?: unknown; key?: unknown } | null) ?? {};
        const id = typeof subject.taskId === "string" ? `task ${subject.taskId}` : `key ${String(subject.key)}`;
        const what = `${kind}${channel} message (${id})`;
        if (!deadLetters) return service.logger.error(`${what} dropped after ${attempts} attempt(s)`, error);
        const letter = await deadLetters.record({ channel, group, payload, error, attempts });
        service.logger.error(`${what} failed ${attempts} time(s) in ${group}: dead letter ${letter.id}`, error);
      };
      return [
        channel,
        {
          ...options[channel],
          group,
          // The channels middleware calls handlers with the service as `this`.
          async handler(this: Service, payload: unknown, raw?: unknown) {
            const parsed = schema.safeParse(payload);
            if (!parsed.success) return giveUp(this, payload, new Error(z.prettifyError(parsed.error)), 1, "malformed ");
            const delivered = deliveryCount(raw);
            for (let attempt = delivered ?? 1; ; attempt++) {
              try {
                return await keepWorking(raw, () => handler(parsed.data as PayloadOf<C>));
              } catch (err) {
                // The database or a peer is unreachable (a failover, a restart): no fault of the
                // message's. It waits and goes back to JetStream without counting towards the dead
                // letters; a NAK alone redelivers at once, and a 2 s outage would spend every try.
                if (delivered !== undefined && isOutage(err)) {
                  await keepWorking(raw, () => new Promise((resolve) => setTimeout(resolve, OUTAGE_RETRY_MS)));
                  throw err;
                }
                if (attempt < CHANNEL_MAX_DELIVERIES) {
                  // JetStream redelivers a NAKed message itself.
                  if (delivered !== undefined) throw err;
                  await new Promise((resolve) => setTimeout(resolve, attempt * LOCAL_RETRY_STEP_MS));
                  continue;
                }
                // Should recording fail, the error goes back to the adapter, which redelivers.
                return giveUp(this, payload, err, attempt);
              }
            }
          },
        },
      ];
    }),
  );
}

/** `events` of a service schema: lossy events, parsed against the registry; a malformed one is dropped. */
export function eventHandlers<E extends EventName>(handlers: { [K in E]: (payload: EventPayloadOf<K>) => unknown }): ServiceEvents {
  return Object.fromEntries(
    (Object.entries(handlers) as [E, (p: unknown) => unknown][]).map(([event, handler]) => [
      event,
      (ctx: Context) => {
        const parsed = (EVENTS_ON_BUS[event] as z.ZodType).safeParse(ctx.params);
        if (parsed.success) return handler(parsed.data);
      },
    ]),
  );
}

/** One handler for every task channel (created, updated, deleted, completed). */
export function taskChannelHandlers(group: string, handler: (event: TaskEvent) => Promise<void>, deadLetters?: DeadLetterSink) {
  const handlers = Object.fromEntries(Object.values(TASK_CHANNELS).map((name) => [name, handler])) as { [K in TaskChannel]: typeof handler };
  return channelHandlers(group, handlers, {}, deadLetters);
}

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
import { parseOr422 } from "../errors/zod";
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
 * `channels` of a service schema: one consumer group, each message parsed against the registry.
 * A message that does not parse would fail the same way on every redelivery, so it is logged and
 * acknowledged rather than retried.
 */
export function channelHandlers<C extends ChannelName>(
  group: string,
  handlers: { [K in C]: ChannelHandler<K> },
  /** Adapter options per channel (e.g. `nats.consumerOptions`). */
  options: { [K in C]?: object } = {},
): Record<string, { group: string; handler: (this: Service, payload: unknown) => Promise<void> }> {
  return Object.fromEntries(
    (Object.entries(handlers) as [C, ChannelHandler<C>][]).map(([channel, handler]) => {
      const schema: z.ZodType = CHANNELS_ON_BUS[channel];
      return [
        channel,
        {
          ...options[channel],
          group,
          // The channels middleware calls handlers with the service as `this`.
          async handler(this: Service, payload: unknown) {
            const parsed = schema.safeParse(payload);
            if (!parsed.success) return this.logger.error(`malformed ${channel} message dropped`, z.prettifyError(parsed.error));
            await handler(parsed.data as PayloadOf<C>);
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
export function taskChannelHandlers(group: string, handler: (event: TaskEvent) => Promise<void>) {
  const handlers = Object.fromEntries(Object.values(TASK_CHANNELS).map((name) => [name, handler])) as { [K in TaskChannel]: typeof handler };
  return channelHandlers(group, handlers);
}

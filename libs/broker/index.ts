import { Middleware as ChannelsMiddleware } from "@moleculer/channels";
import { BrokerOptions, Context, Errors, Middleware, Service, ServiceBroker, ServiceSchema } from "moleculer";
import { readFileSync } from "node:fs";
import { type ConnectionOptions, credsAuthenticator, nanos, nkeyAuthenticator } from "nats";
import pino, { type DestinationStream } from "pino";
import pinoPretty from "pino-pretty";
import type { Clock } from "../clock";
import { Db, ping } from "../db";
import { OutboxRelay } from "../outbox";
import { outboxBacklogRows, outboxOldestAge } from "../metrics";
import type { Config } from "../config";
import type { AuthMeta, CallMeta } from "../contracts/auth";
import { UnauthorizedError, UnavailableError } from "../errors";
import { bindBusIdentity, busIdentity, busIdentityOf } from "./identity";
import { CHANNEL_ACK_WAIT_MS, CHANNEL_MAX_DELIVERIES } from "./bus";
import { IDEMPOTENT_ACTIONS } from "../contracts/bus";
import { failFast, REQUEST_TIMEOUT_MS } from "./fail-fast";
import { lostRequests } from "./lost-requests";
import { batchNatsWrites } from "./nats-writes";
import { consoleStyle } from "./log-args";

/** `clock` times the expiry of signed caller identities. */
export function createBroker(config: Config, nodeID?: string, clock?: Clock): ServiceBroker {
  const distributed = config.mode === "distributed";
  if (distributed) batchNatsWrites();
  let broker: ServiceBroker | undefined;
  const fastFail = distributed ? failFast(IDEMPOTENT_ACTIONS, () => broker) : undefined;
  const options: BrokerOptions = {
    nodeID,
    namespace: config.namespace,
    transporter: distributed ? { type: "NATS", options: natsConnectionOptions(config) } : undefined,
    serializer: "JSON",
    logger: {
      type: "Pino",
      options: { level: config.logLevel, createLogger: (level: string, bindings: object) => consoleStyle(rootLogger(config).child(bindings, { level })) },
    },
    logLevel: config.logLevel,
    requestTimeout: REQUEST_TIMEOUT_MS,
    retryPolicy: { enabled: false },
    // Peers in other processes can vanish without a word: see ./fail-fast for each setting.
    ...fastFail?.options,
    // Stopping waits for in-flight actions (and the calls this node made) up to the shutdown timeout;
    // the channels middleware likewise waits for the messages its handlers are processing.
    tracking: { enabled: true, shutdownTimeout: config.shutdownTimeoutMs },
    // src/main.ts owns SIGTERM/SIGINT: it drains HTTP before the broker stops, then closes the database.
    skipProcessEventRegistration: true,
    // Meta carries only the caller; keep the wire small.
    contextParamsCloning: false,
    middlewares: [
      ...(fastFail?.middlewares ?? []),
      ...(distributed ? [lostRequests()] : []),
      forgetTimedOutCalls,
      // The channels package types its middleware and adapter options more narrowly than it reads them.
      ChannelsMiddleware({
        adapter: (distributed
          ? {
              type: "NATS",
              options: {
                // No `url`: the adapter would keep only its hosts and drop the credentials in it.
                nats: {
                  connectionOptions: { ...natsConnectionOptions(config), name: `todogenie-${config.services.join("+")}` },
                  // What a killed consumer held goes to the next one within seconds (see CHANNEL_ACK_WAIT_MS).
                  consumerOptions: { config: { ack_wait: nanos(CHANNEL_ACK_WAIT_MS) } },
                  // On a cluster every stream (and its consumers, which follow it) lives on this many
                  // servers, so losing one loses no message. A stream that exists keeps its replicas:
                  // raise them with `nats stream edit --replicas` (README: NATS cluster).
                  streamConfig: { num_replicas: config.nats?.streamReplicas ?? 1 },
                },
                // channelHandlers gives up after CHANNEL_MAX_DELIVERIES and records a dead letter;
                // the adapter's limit only catches a message whose recording itself keeps failing.
                maxRetries: CHANNEL_MAX_DELIVERIES * 20,
                maxInFlight: 50,
                deadLettering: { enabled: false },
              },
            }
          : // In-process delivery. No bulkhead: with one, a burst from the outbox relay beyond its
            // queue (100) would be dropped; consumers batch what arrives together instead.
            { type: "Fake", options: { maxInFlight: null } }) as object,
      } as Parameters<typeof ChannelsMiddleware>[0]) as unknown as Middleware,
    ],
  };
  broker = new ServiceBroker(options);
  bindBusIdentity(broker, busIdentity(config.busSecret, clock));
  if (distributed) {
    failStartOnRefusal(broker);
  }
  return broker;
}

/**
 * Moleculer's Timeout middleware wraps its context tracker from outside: a remote call that times
 * out is rejected to the caller while the request under it stays pending (its node died, or NATS
 * dropped it), so the tracker counts it as running and `broker.stop` waits the whole shutdown
 * timeout for it. This sits inside the tracker and fails the call at the same deadline, so the
 * tracker lets go of it.
 */
export const forgetTimedOutCalls: Middleware = {
  name: "ForgetTimedOutCalls",
  remoteAction(next: (ctx: Context) => Promise<unknown>) {
    return (ctx: Context) => {
      const pending = next(ctx);
      const timeout = ctx.options.timeout;
      if (!timeout || timeout <= 0) return pending;
      let timer: NodeJS.Timeout | undefined;
      const expired = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Errors.RequestTimeoutError({ action: ctx.action?.name, nodeID: ctx.nodeID })), timeout);
      });
      return Promise.race([pending, expired]).finally(() => clearTimeout(timer));
    };
  },
} as unknown as Middleware;

/** NATS errors no retry mends: wrong credentials, a server certificate this process does not trust. */
const REFUSED = /AUTHORIZATION_VIOLATION|AUTHENTICATION_EXPIRED|CERT|SIGNATURE|ERR_TLS/;

/**
 * Moleculer retries a failed first connection every 5 s for ever, so a process with wrong NATS
 * credentials would sit unready without saying why. A refusal fails `start` instead, with NATS's
 * reason; a NATS that is merely not up yet is still waited for.
 */
function failStartOnRefusal(broker: ServiceBroker): void {
  const start = broker.start.bind(broker);
  broker.start = () =>
    new Promise<void>((resolve, reject) => {
      const onError = ({ error }: { error?: { code?: string; message?: string } }) => {
        if (!REFUSED.test(String(error?.code ?? ""))) return;
        // Moleculer's own flag: its retry loop stops scheduling attempts once it is set.
        (broker.transit as unknown as { disconnecting: boolean }).disconnecting = true;
        reject(new UnavailableError(`NATS refused this process: ${error?.message ?? error?.code}`));
      };
      broker.localBus.on("$transporter.error", onError);
      start()
        .then(resolve, reject)
        .finally(() => broker.localBus.off("$transporter.error", onError));
    });
}

/**
 * nats.js connection options from the validated settings, one fresh object per client (both
 * the transporter and the channels adapter write into theirs). Neither keeps the URL's scheme or
 * credentials, so servers, login and TLS are spelt out here.
 */
export function natsConnectionOptions(config: Pick<Config, "nats">): ConnectionOptions {
  const nats = config.nats;
  if (!nats) throw new Error("NATS is not configured (NATS_URL)");
  return {
    servers: [...nats.servers],
    user: nats.user,
    pass: nats.pass,
    token: nats.token,
    authenticator: nats.credsFile
      ? credsAuthenticator(readFileSync(nats.credsFile))
      : nats.nkeySeed
        ? nkeyAuthenticator(new TextEncoder().encode(nats.nkeySeed))
        : undefined,
    tls: nats.tls ? { ...nats.tls } : undefined,
    // The default gives up after 10 tries: a NATS restart longer than 20 s would leave the process deaf for good.
    maxReconnectAttempts: -1,
    reconnectDelayHandler: reconnectBackoff(nats.reconnectWaitMs),
  };
}

/**
 * nats.js asks this before each reconnect attempt: waits that double from the base up to twice
 * it, each with a random jitter, so that a fleet of processes does not hammer a NATS coming back
 * in lockstep. A connection that holds for a while starts again from the base. The cap is low on
 * purpose: a process finds NATS back at most 3 s (with the 1 s default) after it returns, so the
 * pipeline catches up within 5 s of the end of an outage however long (the fault suite, issue
 * 13); a longer cap left it deaf up to 12 s after a 10 s outage. An attempt is one TCP connect.
 */
export function reconnectBackoff(baseMs: number, random: () => number = Math.random, now: () => number = Date.now) {
  let attempt = 0;
  let last = 0;
  return (): number => {
    const t = now();
    if (t - last > baseMs * 16) attempt = 0;
    last = t;
    const wait = baseMs * 2 ** Math.min(attempt++, 1);
    return Math.round(wait / 2 + random() * wait);
  };
}

interface NatsClient {
  isClosed(): boolean;
  /** nats.js keeps no public flag for "between reconnects"; its protocol handler's is the one that says. */
  protocol?: { connected?: boolean };
}

function natsClientDown(client: NatsClient | undefined | null): string | undefined {
  // No client to ask (not connected yet): `connected` flags already say so.
  if (!client) return undefined;
  if (client.isClosed()) return "connection closed";
  if (client.protocol && client.protocol.connected === false) return "reconnecting";
  return undefined;
}

/**
 * Why this broker's NATS connections are not usable, or undefined when they are (or when it has
 * none: embedded mode). Moleculer's own `transit.connected` stays true while nats.js reconnects,
 * and the channels adapter's `connected` while its connection is closed, so both clients are read.
 */
export function natsConnectionsDown(broker: ServiceBroker): string | undefined {
  const transit = broker.transit as unknown as { connected: boolean; tx?: { client?: NatsClient } } | undefined;
  const problems: string[] = [];
  if (transit) {
    const down = transit.connected ? natsClientDown(transit.tx?.client) : "not connected";
    if (down) problems.push(`transporter: ${down}`);
  }
  const adapter = (broker as unknown as { channelAdapter?: { connected?: boolean; connection?: NatsClient } }).channelAdapter;
  if (transit && adapter) {
    const down = adapter.connected ? natsClientDown(adapter.connection) : "not connected";
    if (down) problems.push(`channels: ${down}`);
  }
  return problems.length ? `NATS ${problems.join("; ")}` : undefined;
}

export type LogFormat = "pretty" | "json";

/** A person reads a terminal; anything else on stdout (a container runtime, a pipe, a test) is a machine. */
export function logFormatOf(config: Pick<Config, "logFormat">, stdoutIsTerminal = Boolean(process.stdout.isTTY)): LogFormat {
  return config.logFormat ?? (stdoutIsTerminal ? "pretty" : "json");
}

function logBase(config: Config) {
  return { service: config.services.join(",") };
}

// One stdout stream a format, shared by every logger of the process, so lines keep the order they were logged in.
const destinations = new Map<LogFormat, DestinationStream>();

/** For a person, pino-pretty in-process: no transport worker thread that could drop the last lines on exit. */
function logDestination(config: Config): DestinationStream {
  const format = logFormatOf(config);
  let destination = destinations.get(format);
  if (!destination) {
    destination =
      format === "json"
        ? pino.destination(1)
        : pinoPretty({
            sync: true,
            colorize: Boolean(process.stdout.isTTY),
            translateTime: "SYS:HH:MM:ss.l",
            // Moleculer binds these to every line; as a prefix they say where a line comes from, as fields they are noise.
            ignore: "pid,hostname,service,nodeID,ns,mod,svc,ver",
            messageFormat: "{if mod}{mod}: {end}{msg}",
          });
    destinations.set(format, destination);
  }
  return destination;
}

/** The process's pino for a log format; Moleculer's loggers are its children (one per module, each at its level). */
const rootLoggers = new WeakMap<Config, pino.Logger>();
function rootLogger(config: Config): pino.Logger {
  let logger = rootLoggers.get(config);
  if (!logger) rootLoggers.set(config, (logger = pino({ base: logBase(config), level: "trace" }, logDestination(config))));
  return logger;
}

/**
 * Writes a line that must be seen whatever LOG_LEVEL is (the ready line): as it is on a terminal,
 * as an info record among the JSON lines otherwise, so that every line on stdout stays JSON.
 */
export function announce(config: Config, message: string): void {
  if (logFormatOf(config) === "pretty") process.stdout.write(`${message}\n`);
  else rootLogger(config).info(message);
}

interface NatsChannelAdapter {
  connected: boolean;
  /** The nats.js connection, once connected (the Fake adapter has none). */
  connection?: NatsClient & { status?(): AsyncIterable<{ type: string }> };
  createStream(name: string, subjects: string[], opts: object): Promise<unknown>;
  /** The channels package prefixes every channel with the broker namespace. */
  addPrefixTopic(name: string): string;
}

/** A nats.js JetStream subscription and consumer manager, as far as alignConsumerAckWait uses them. */
interface ConsumerInfoLike {
  stream_name: string;
  name: string;
  config: { ack_wait?: number };
}
interface JetStreamSide {
  subscriptions?: Map<string, { consumerInfo?(): Promise<ConsumerInfoLike> }>;
  manager?: { consumers: { update(stream: string, durable: string, cfg: { ack_wait: number }): Promise<unknown> } };
}

/**
 * A durable consumer keeps the config it was created with: a client attaching to one takes its
 * settings as they are (nats.js binds to the existing consumer). Consumers created before
 * CHANNEL_ACK_WAIT_MS was 5 s still wait JetStream's default 30 s before redelivering what a
 * killed process held. Run after the broker started (its subscriptions exist): every consumer
 * this process attached to whose ack wait differs is updated in place (ack_wait is editable on a
 * live consumer; nothing is redelivered or lost by it). Returns the consumers it changed.
 */
export async function alignConsumerAckWait(broker: ServiceBroker): Promise<string[]> {
  const adapter = (broker as unknown as { channelAdapter?: JetStreamSide }).channelAdapter;
  if (!adapter?.manager || !adapter.subscriptions) return [];
  const want = nanos(CHANNEL_ACK_WAIT_MS);
  const changed: string[] = [];
  const seen = new Set<string>();
  for (const sub of adapter.subscriptions.values()) {
    const info = await sub.consumerInfo?.();
    if (!info || seen.has(`${info.stream_name}/${info.name}`)) continue;
    seen.add(`${info.stream_name}/${info.name}`);
    if (info.config.ack_wait === want) continue;
    await adapter.manager.consumers.update(info.stream_name, info.name, { ack_wait: want });
    changed.push(`${info.stream_name}/${info.name}`);
  }
  return changed;
}

/**
 * How long a JetStream publish waits for the stream to acknowledge it. A stream whose leader died
 * answers nothing until the survivors elect another, 4 to 9 s later (nats-server's raft election
 * timeout): with nats.js's 5 s default, a publish sent just before the election ended held the
 * outbox that much longer (catch-up 8 s after a NATS server was back, issue 13). An acknowledgement
 * takes milliseconds; one that timed out is sent again with the same Nats-Msg-Id, which the stream
 * stores once.
 */
export const PUBLISH_TIMEOUT_MS = 1_000;

/**
 * Sends to a durable channel. On JetStream a subject without a stream has no responder, so
 * the stream is created the way the channels adapter would create it for a consumer; the
 * event key becomes the JetStream message id, so a republished event inside the duplicate
 * window is stored once.
 *
 * Nothing is sent before the channel adapter has connected (after every service's
 * `started`): the in-process adapter would drop it, as no consumer is subscribed yet, and
 * the relay would delete the row. Refused, the row stays for the relay's next turn.
 */
export function durablePublisher(broker: ServiceBroker, config: Config, onReconnect?: () => void) {
  const ensured = new Set<string>();
  let watching = false;
  return async (channel: string, payload: unknown, key: string): Promise<void> => {
    const adapter = (broker as unknown as { channelAdapter: NatsChannelAdapter }).channelAdapter;
    if (!adapter.connected) throw new UnavailableError(`channel adapter not connected yet; ${channel} waits`);
    // Between reconnects a publish would wait out its request timeout: fail now, retry once back.
    const down = natsClientDown(adapter.connection);
    if (down) throw new UnavailableError(`NATS ${down}; ${channel} waits`);
    if (onReconnect && !watching && adapter.connection?.status) {
      watching = true;
      void watchReconnects(adapter.connection.status(), onReconnect);
    }
    if (config.mode === "distributed" && !ensured.has(channel)) {
      const subject = adapter.addPrefixTopic(channel);
      await adapter.createStream(subject.split(".").join("_"), [subject], {});
      ensured.add(channel);
    }
    await (broker as unknown as { sendToChannel: SendToChannel }).sendToChannel(channel, payload, {
      headers: { "Nats-Msg-Id": key },
      timeout: PUBLISH_TIMEOUT_MS,
    });
  };
}

/** Calls `onReconnect` each time the connection is back, until it closes. */
async function watchReconnects(status: AsyncIterable<{ type: string }>, onReconnect: () => void): Promise<void> {
  try {
    for await (const s of status) if (s.type === "reconnect") onReconnect();
  } catch {
    // The connection closed: nothing left to watch.
  }
}

type SendToChannel = (channel: string, payload: unknown, opts?: object) => Promise<void>;

export type ServiceFactory<D> = (deps: D) => ServiceSchema;

/**
 * The caller's identity a gateway (or notify) put in ctx.meta, once its signature checks out with
 * this broker's bus key; a call without one, or with a forged, altered or expired one, is refused.
 */
export function authOf(ctx: { meta: unknown; broker?: object }): AuthMeta {
  const meta = ctx.meta as CallMeta | undefined;
  if (!meta?.auth) throw new UnauthorizedError("call carries no caller identity");
  const identity = ctx.broker && busIdentityOf(ctx.broker);
  if (!identity) throw new UnauthorizedError("this broker holds no bus key: it cannot check a caller identity");
  return identity.verify(meta.auth, meta.authSig);
}

/** The `health` action every service answers: it is up and its database answers. */
export function healthAction(db: Db) {
  return async () => {
    await ping(db);
    return { ok: true as const };
  };
}

/** Starts the relay that publishes a service's outbox to its durable channels. */
export function startRelay(service: Service, db: Db, schema: string, config: Config, clock: Clock): OutboxRelay {
  const relay = new OutboxRelay(
    db,
    schema,
    // The moment NATS is back, not at the next poll: what piled up during an outage goes at once.
    durablePublisher(service.broker, config, () => relay.kick()),
    clock,
    (err) => service.logger.warn(`${schema} outbox: publish failed, will retry`, err),
    {
      onBacklog: ({ rows, oldest }) => {
        outboxBacklogRows.set({ schema }, rows);
        outboxOldestAge.set({ schema }, oldest ? Math.max(0, clock.now().getTime() - oldest.getTime()) / 1000 : 0);
      },
    },
  );
  relay.start();
  return relay;
}

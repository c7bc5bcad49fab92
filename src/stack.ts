import { setTimeout as sleep } from "node:timers/promises";
import type { ServiceBroker } from "moleculer";
import pkg from "../package.json";
import { alignConsumerAckWait, createBroker } from "../libs/broker";
import { CHANNEL_ACK_WAIT_MS } from "../libs/broker/bus";
import { Clock, systemClock } from "../libs/clock";
import type { Config, ServiceName } from "../libs/config";
import type { StreamEndpoint } from "../libs/contracts/streams";
import { Db, openDatabase } from "../libs/db";
import { attachStandby } from "../libs/db/read-routing";
import { HealthServer, processProbes, runProbes, startHealthServer } from "../libs/health";
import { Lifecycle } from "../libs/lifecycle";
import { gatewayService } from "../services/gateway/gateway.service";
import { AUTH_SCHEMA } from "../services/gateway/migrations";
import { SCHEDULER_SCHEMA } from "../services/scheduler/migrations";
import { TASKS_SCHEMA } from "../services/tasks/migrations";
import { notifyService } from "../services/notify/notify.service";
import { schedulerService } from "../services/scheduler/scheduler.service";
import { searchService } from "../services/search/search.service";
import { tasksServices } from "../services/tasks/tasks.service";

export interface Stack {
  broker: ServiceBroker;
  db: Db;
  lifecycle: Lifecycle;
  /** The gateway's base URL once started, when this process runs the gateway. */
  url?: string;
  /** The port of this process's health server once started. */
  healthPort?: number;
  start(): Promise<void>;
  /**
   * Graceful stop: readiness turns 503 at once; after the drain delay the HTTP server stops
   * accepting and finishes its requests; then the broker stops (waiting for in-flight actions and
   * channel messages), the database pool closes, and the health server last.
   */
  stop(options?: { drainDelayMs?: number }): Promise<void>;
}

/** The outboxes each service's relay publishes: the readiness of a process running it watches them. */
const OUTBOX_SCHEMAS: Partial<Record<ServiceName, string>> = { gateway: AUTH_SCHEMA, tasks: TASKS_SCHEMA, scheduler: SCHEDULER_SCHEMA };

/** The composition root: one database handle and one broker, shared by the services this process runs. */
export function createStack(config: Config, clock: Clock = systemClock): Stack {
  const db = openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: config.dbPoolSize });
  // Reads that may go to a standby find it through readRouting(db) (libs/db/read-routing.ts).
  const standby = config.databaseReadUrl ? openDatabase({ databaseUrl: config.databaseReadUrl, poolSize: config.dbPoolSize }) : undefined;
  if (standby) attachStandby(db, standby);
  const broker = createBroker(config, undefined, clock);
  const streams: StreamEndpoint = {};
  const lifecycle = new Lifecycle();
  let health: HealthServer | undefined;
  const outbox = { schemas: config.services.flatMap((name) => OUTBOX_SCHEMAS[name] ?? []), staleAfterMs: config.outboxStaleAfterMs, clock };
  const stack: Stack = {
    broker,
    db,
    lifecycle,
    async start() {
      health = await startHealthServer({
        host: config.host,
        port: config.healthPort,
        ready: () => runProbes(processProbes({ db, broker, lifecycle, outbox })),
      });
      stack.healthPort = health.port;
      await broker.start();
      // Consumers created with an older ack wait (30 s) get today's (libs/broker: CHANNEL_ACK_WAIT_MS).
      await alignConsumerAckWait(broker).then(
        (changed) => changed.length && broker.logger.info(`consumer ack wait set to ${CHANNEL_ACK_WAIT_MS} ms on ${changed.join(", ")}`),
        (err) => broker.logger.warn("could not align the consumers' ack wait", err),
      );
      lifecycle.markRunning();
    },
    async stop({ drainDelayMs = config.shutdownDrainDelayMs } = {}) {
      lifecycle.beginDrain();
      if (drainDelayMs > 0) await sleep(drainDelayMs);
      await lifecycle.drain();
      await broker.stop();
      await db.destroy();
      await standby?.destroy();
      await health?.close();
    },
  };
  const factories: Record<ServiceName, () => void> = {
    gateway: () =>
      broker.createService(
        gatewayService({ db, config, clock, lifecycle, streams, outbox, version: pkg.version, onListening: (url) => (stack.url = url) }),
      ),
    tasks: () => tasksServices({ db, config, clock }).forEach((schema) => broker.createService(schema)),
    search: () => broker.createService(searchService({ db, config, clock })),
    scheduler: () => broker.createService(schedulerService({ db, config, clock })),
    notify: () => broker.createService(notifyService({ db, config, clock, streams, lifecycle })),
  };
  for (const name of config.services) factories[name]();
  return stack;
}

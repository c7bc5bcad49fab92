import type { ServiceBroker } from "moleculer";
import { createBroker } from "../libs/broker";
import { Clock, systemClock } from "../libs/clock";
import type { Config, ServiceName } from "../libs/config";
import { Db, openDatabase } from "../libs/db";
import { gatewayService } from "../services/gateway/gateway.service";
import { notifyService } from "../services/notify/notify.service";
import { schedulerService } from "../services/scheduler/scheduler.service";
import { searchService } from "../services/search/search.service";
import { tasksService } from "../services/tasks/tasks.service";

export interface Stack {
  broker: ServiceBroker;
  db: Db;
  /** The gateway's base URL once started, when this process runs the gateway. */
  url?: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const VERSION: string = require("../package.json").version;

/** The composition root: one database handle and one broker, shared by the services this process runs. */
export function createStack(config: Config, clock: Clock = systemClock): Stack {
  const db = openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: config.dbPoolSize });
  const broker = createBroker(config);
  const stack: Stack = {
    broker,
    db,
    async start() {
      await broker.start();
    },
    async stop() {
      await broker.stop();
      await db.destroy();
    },
  };
  const factories: Record<ServiceName, () => void> = {
    gateway: () =>
      broker.createService(gatewayService({ db, config, clock, version: VERSION, onListening: (url) => (stack.url = url) })),
    tasks: () => broker.createService(tasksService({ db, config, clock })),
    search: () => broker.createService(searchService({ db, config, clock })),
    scheduler: () => broker.createService(schedulerService({ db })),
    notify: () => broker.createService(notifyService({ db })),
  };
  for (const name of config.services) factories[name]();
  return stack;
}

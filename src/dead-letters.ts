import { createBroker, durablePublisher } from "../libs/broker";
import { systemClock } from "../libs/clock";
import { Config, ConfigError, loadConfig } from "../libs/config";
import { type Db, openDatabase } from "../libs/db";
import { CONSUMER_SCHEMAS, type DeadLetter, DeadLetters, migrateDeadLetters } from "../libs/dead-letters";
import { createStack } from "./stack";

const USAGE = `usage: npm run dead-letters -- list
       npm run dead-letters -- replay <schema>:<id> | replay all`;

/**
 * `npm run dead-letters -- list | replay <schema>:<id> | replay all`: the channel messages a
 * consumer (search, scheduler, notify) gave up on, and their replay once the cause is fixed.
 * A replay re-publishes the message to its channel, so every consumer group of that channel
 * sees it again; consumers are idempotent (versions, occurrence keys), so the others ignore
 * it. The record goes only once the publish succeeded.
 *
 * Distributed: joins NATS and publishes there. Embedded: the PGlite directory opens in one
 * process only, so stop the server first; this starts the services in-process, publishes,
 * and waits for them to finish handling before it exits.
 */
async function main(argv: string[]): Promise<void> {
  const [command, target] = argv;
  if (command !== "list" && command !== "replay") throw new UsageError();
  if (command === "replay" && !target) throw new UsageError();
  const config = loadConfig();
  const conn = command === "list" ? await openOnly(config) : await connect(config);
  try {
    const stores = CONSUMER_SCHEMAS.map((schema) => new DeadLetters(conn.db, schema, systemClock));
    for (const store of stores) await migrateDeadLetters(conn.db, store.schema);
    if (command === "list") {
      const letters = (await Promise.all(stores.map((s) => s.list()))).flat();
      for (const l of letters) process.stdout.write(`${describe(l)}\n`);
      process.stdout.write(`${letters.length} dead letter(s)\n`);
      return;
    }
    const publish = conn.publish!;
    const chosen: { store: DeadLetters; id: string }[] = [];
    if (target === "all") {
      for (const store of stores) for (const l of await store.list()) chosen.push({ store, id: l.id });
    } else {
      const [schema, id] = target!.split(":");
      const store = stores.find((s) => s.schema === schema);
      if (!store || !id) throw new UsageError();
      chosen.push({ store, id });
    }
    let replayed = 0;
    for (const { store, id } of chosen) {
      // A message id of its own: JetStream would drop a republish with the original key inside its duplicate window.
      const done = await store.replay(id, (l) => publish(l.channel, l.payload, `dead-letter:${l.schema}:${l.id}:${Date.now()}`));
      if (!done) {
        process.stderr.write(`no dead letter ${store.schema}:${id}\n`);
        process.exitCode = 1;
      }
      else replayed++;
    }
    process.stdout.write(`replayed ${replayed} dead letter(s)\n`);
  } finally {
    await conn.stop();
  }
}

function describe(l: DeadLetter): string {
  const subject = l.payload as { taskId?: string; key?: string; userId?: string } | null;
  const about = subject?.taskId ? `task ${subject.taskId}` : subject?.userId ? `user ${subject.userId}` : `key ${subject?.key}`;
  const firstLine = l.error.split("\n")[0];
  return `${l.schema}:${l.id}\t${l.createdAt.toISOString()}\t${l.channel} (${l.group})\t${about}\t${l.attempts} attempts\t${firstLine}`;
}

interface Connection {
  db: Db;
  publish?: (channel: string, payload: unknown, key: string) => Promise<void>;
  stop(): Promise<void>;
}

async function openOnly(config: Config): Promise<Connection> {
  const db = openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 2 });
  return { db, stop: () => db.destroy() };
}

async function connect(config: Config): Promise<Connection> {
  if (config.mode === "distributed") {
    const broker = createBroker({ ...config, logLevel: "warn" }, `dead-letters-${process.pid}`);
    await broker.start();
    const db = openDatabase({ databaseUrl: config.databaseUrl, poolSize: 2 });
    return {
      db,
      publish: durablePublisher(broker, config),
      async stop() {
        await broker.stop();
        await db.destroy();
      },
    };
  }
  // Every consumer runs in-process; stopping waits for the messages they are handling.
  const stack = createStack({ ...config, services: ["tasks", "search", "scheduler", "notify"], notifyPort: 0, logLevel: "warn" });
  await stack.start();
  return { db: stack.db, publish: durablePublisher(stack.broker, config), stop: () => stack.stop({ drainDelayMs: 0 }) };
}

class UsageError extends Error {
  constructor() {
    super(USAGE);
  }
}

main(process.argv.slice(2)).then(
  () => process.exit(process.exitCode ?? 0),
  (err) => {
    if (err instanceof UsageError || err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(err instanceof ConfigError ? 78 : 64);
    }
    process.stderr.write(`dead-letters failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);

import { SingleBar } from "cli-progress";
import { createBroker } from "../libs/broker";
import { call } from "../libs/broker/bus";
import { systemClock } from "../libs/clock";
import { Config, ConfigError, loadConfig } from "../libs/config";
import { openDatabase } from "../libs/db";
import { createSearchEngine } from "../services/search/engine-factory";
import { ExportPage, FetchComments, reindex } from "../services/search/reindex";
import { createStack } from "./stack";

/**
 * `npm run reindex`: rebuilds the search index from the tasks service, in the mode the
 * environment configures. Distributed: joins the broker over NATS and pages `tasks.export`
 * on the running tasks service. Embedded: the database is a PGlite directory only one
 * process may open, so stop the server first; this runs tasks and search in-process.
 */
async function main(): Promise<void> {
  const config = loadConfig();
  const { fetchPage, fetchComments, db, stop } = await connect(config);
  const clock = systemClock;
  const engine = createSearchEngine(config, db, clock);
  await engine.prepare();
  const bar = progress();
  const started = clock.now().getTime();
  try {
    const result = await reindex(engine, fetchPage, fetchComments, clock, {
      batchSize: 1_000,
      onStart: (total) => bar.start(total, 0),
      onProgress: (done) => bar.update(done),
    });
    bar.stop();
    const seconds = (clock.now().getTime() - started) / 1000;
    process.stdout.write(
      `reindexed ${result.indexed} tasks and ${result.comments} comments into ${engine.name} in ${seconds.toFixed(1)} s; removed ${result.removed} stale documents and comments\n`,
    );
  } finally {
    await stop();
  }
}

type Connection = {
  fetchPage: (afterId: string | undefined, limit: number, withTotal: boolean) => Promise<ExportPage>;
  fetchComments: FetchComments;
  db: ReturnType<typeof openDatabase>; stop(): Promise<void> };

async function connect(config: Config): Promise<Connection> {
  if (config.mode === "distributed") {
    const broker = createBroker({ ...config, logLevel: "warn" }, `reindex-${process.pid}`);
    await broker.start();
    await broker.waitForServices(["tasks"], 30_000);
    const db = openDatabase({ databaseUrl: config.databaseUrl, poolSize: 2 });
    return {
      fetchPage: (afterId, limit, withTotal) => call(broker, "tasks.export", { afterId, limit, withTotal }, { timeout: 60_000 }),
      fetchComments: (afterId, limit) => call(broker, "tasks.commentsForReindex", { afterId, limit }, { timeout: 60_000 }),
      db,
      async stop() {
        await broker.stop();
        await db.destroy();
      },
    };
  }
  // Tasks and search both run, so events still waiting in the outbox reach the index too.
  const stack = createStack({ ...config, services: ["tasks", "search"], logLevel: "warn" });
  await stack.start();
  return {
    fetchPage: (afterId, limit, withTotal) => call(stack.broker, "tasks.export", { afterId, limit, withTotal }),
    fetchComments: (afterId, limit) => call(stack.broker, "tasks.commentsForReindex", { afterId, limit }),
    db: stack.db,
    stop: () => stack.stop(),
  };
}

/** A bar on a terminal; a line per tenth otherwise (CI logs, pipes). */
function progress() {
  if (process.stderr.isTTY) {
    return new SingleBar({ format: "reindex [{bar}] {percentage}% | {value}/{total} tasks | {eta_formatted} left", etaBuffer: 20 });
  }
  let total = 0;
  let shown = -1;
  return {
    start: (t: number, _value: number) => {
      total = t;
    },
    update: (done: number) => {
      const tenth = total ? Math.floor((done / total) * 10) : 0;
      if (tenth > shown) {
        shown = tenth;
        process.stderr.write(`reindex: ${done}/${total || "?"} tasks\n`);
      }
    },
    stop: () => undefined,
  };
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(err instanceof ConfigError ? `${err.message}\n` : `reindex failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(err instanceof ConfigError ? 78 : 1);
  },
);

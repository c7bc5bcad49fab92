import { announce } from "../libs/broker";
import { ConfigError, loadConfig } from "../libs/config";
import { prepareDataDir } from "../libs/db/migrated-cluster";
import { readyLine } from "./ready-line";
import { allSchemas } from "./schemas";
import { createStack } from "./stack";

async function main(): Promise<void> {
  const startedAt = process.hrtime.bigint();
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
  // Embedded on a fresh DATA_DIR: every schema migrated up front, from a kept copy when there is one.
  if (!config.databaseUrl && config.dataDir) await prepareDataDir(config.dataDir, allSchemas);
  const stack = createStack(config);
  let stopping = false;
  // SIGTERM comes from an orchestrator: give load balancers the drain delay. SIGINT is a person
  // at a terminal: stop at once (a second Ctrl-C kills).
  const shutdown = async (signal: "SIGTERM" | "SIGINT") => {
    if (stopping) return;
    stopping = true;
    stack.broker.logger.info(`${signal}: draining, then shutting down`);
    // Past the drain delay and the time in-flight work may take, give up rather than hang.
    const force = setTimeout(() => {
      stack.broker.logger.error("shutdown took too long; exiting");
      process.exit(1);
    }, config.shutdownDrainDelayMs + config.shutdownTimeoutMs + 5_000).unref();
    try {
      await stack.stop({ drainDelayMs: signal === "SIGTERM" ? config.shutdownDrainDelayMs : 0 });
      clearTimeout(force);
      process.exit(0);
    } catch (err) {
      stack.broker.logger.error("shutdown failed", err);
      process.exit(1);
    }
  };
  process.once("SIGTERM", () => void shutdown("SIGTERM"));
  process.once("SIGINT", () => void shutdown("SIGINT"));

  await stack.start();
  const ms = Number(process.hrtime.bigint() - startedAt) / 1e6;
  announce(config, readyLine({ mode: config.mode, services: config.services, healthPort: stack.healthPort!, url: stack.url, ms }));
}

main().catch((err) => {
  process.stderr.write(`Todogenie failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});

import { createServer, Server } from "node:http";
import type { ServiceBroker } from "moleculer";
import { natsConnectionsDown } from "../broker";
import type { Clock } from "../clock";
import { Db, ping } from "../db";
import { outboxBacklog } from "../outbox";
import { closeHttpServer, Lifecycle } from "../lifecycle";
import { METRICS_CONTENT_TYPE, metricsText } from "../metrics";

/** One readiness check: resolves when healthy, throws (or rejects) saying why not. */
export type Probe = () => unknown;

export interface Readiness {
  ok: boolean;
  /** Each check's name and "ok", or why it failed. */
  checks: Record<string, string>;
}

const PROBE_TIMEOUT_MS = 2_000;

/** Runs every probe at once, each bounded in time, so a hung dependency answers "not ready" instead of nothing. */
export async function runProbes(probes: Record<string, Probe>): Promise<Readiness> {
  const checks: Record<string, string> = {};
  await Promise.all(
    Object.entries(probes).map(async ([name, probe]) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${PROBE_TIMEOUT_MS} ms`)), PROBE_TIMEOUT_MS);
      });
      try {
        await Promise.race([Promise.resolve().then(probe), timeout]);
        checks[name] = "ok";
      } catch (err) {
        checks[name] = err instanceof Error ? err.message : String(err);
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return { ok: Object.values(checks).every((v) => v === "ok"), checks };
}

export interface ProcessProbeDeps {
  db: Db;
  broker: ServiceBroker;
  lifecycle: Lifecycle;
  /** The outboxes this process publishes, when it runs a relay. */
  outbox?: OutboxProbeOptions;
}

export interface OutboxProbeOptions {
  schemas: readonly string[];
  staleAfterMs: number;
  clock: Clock;
}

/**
 * What any process needs to be ready: its database answers, both its NATS connections are up,
 * it has started and is not draining, and its outboxes are publishing.
 */
export function processProbes({ db, broker, lifecycle, outbox }: ProcessProbeDeps): Record<string, Probe> {
  return {
    database: () => ping(db),
    broker: () => {
      if (broker.transit && !broker.transit.connected) throw new Error("not connected to NATS");
      const down = natsConnectionsDown(broker);
      if (down) throw new Error(down);
    },
    lifecycle: () => {
      if (lifecycle.state !== "running") throw new Error(lifecycle.state);
    },
    ...(outbox?.schemas.length ? { outbox: () => outboxFresh(db, outbox) } : {}),
  };
}

/** Fails when a row has waited past the threshold: the relay cannot publish, events pile up unseen. */
export async function outboxFresh(db: Db, { schemas, staleAfterMs, clock }: OutboxProbeOptions): Promise<void> {
  const now = clock.now().getTime();
  const stale: string[] = [];
  for (const schema of schemas) {
    const { rows, oldest } = await outboxBacklog(db, schema);
    const age = oldest ? now - oldest.getTime() : 0;
    if (age > staleAfterMs) stale.push(`${schema}: ${rows} unpublished, oldest ${Math.round(age / 1000)} s old`);
  }
  if (stale.length) throw new Error(`outbox not publishing (${stale.join("; ")})`);
}

export interface HealthServer {
  port: number;
  close(): Promise<void>;
}

/**
 * The tiny HTTP server every process runs for its probes: `GET /health/live` answers 200 while
 * the process is up, `GET /health/ready` 200 or 503 with the checks; `GET /metrics` for Prometheus.
 */
export async function startHealthServer(options: { host: string; port: number; ready: () => Promise<Readiness> }): Promise<HealthServer> {
  const server: Server = createServer((req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
      res.end(JSON.stringify(body));
    };
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") return reply(405, { status: 405, title: "Method Not Allowed" });
    if (path === "/health/live") return reply(200, { status: "live" });
    if (path === "/metrics") {
      metricsText().then((text) => {
        res.writeHead(200, { "content-type": METRICS_CONTENT_TYPE, "cache-control": "no-store" });
        res.end(text);
      });
      return;
    }
    if (path !== "/health/ready") return reply(404, { status: 404, title: "Not Found" });
    options.ready().then(
      ({ ok, checks }) => reply(ok ? 200 : 503, { status: ok ? "ready" : "unready", checks }),
      (err: unknown) => reply(503, { status: "unready", checks: { health: String(err) } }),
    );
  });
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject).listen(options.port, options.host, () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === "object" && address ? address.port : options.port,
    close: () => closeHttpServer(server, 1_000),
  };
}

/**
 * Readiness against a NATS of the test's own that is killed and restarted on the same port: the
 * broker's connections come back on their own, and readiness says when they are down. And an
 * outbox that cannot publish turns readiness off once its oldest row passes the threshold.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { ServiceBroker } from "moleculer";
import { createBroker } from "../broker";
import { ManualClock } from "../clock";
import { loadConfig } from "../config";
import type { Db } from "../db";
import { Lifecycle } from "../lifecycle";
import { createOutboxTable } from "../outbox";
import { memoryDb } from "../../test/support/db";
import { NatsServer, startNatsServer } from "../../test/support/nats";
import { processProbes, Readiness, runProbes } from ".";

let dir: string;
let db: Db;
let nats: NatsServer | undefined;
let broker: ServiceBroker | undefined;
const lifecycle = new Lifecycle();
lifecycle.markRunning();

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "todogenie-ready-"));
  db = await memoryDb();
  // PGlite's first query loads the engine, slower than the probes' 2 s deadline on a busy machine.
  await db.raw("select 1");
});
afterAll(async () => {
  await broker?.stop().catch(() => undefined);
  nats?.process.kill("SIGKILL");
  await db.destroy();
  rmSync(dir, { recursive: true, force: true });
});

async function until(check: () => Promise<Readiness>, want: (r: Readiness) => boolean, withinMs: number): Promise<{ readiness: Readiness; ms: number }> {
  const started = Date.now();
  for (;;) {
    const readiness = await check();
    const ms = Date.now() - started;
    if (want(readiness)) return { readiness, ms };
    if (ms > withinMs) throw new Error(`not within ${withinMs} ms: ${JSON.stringify(readiness)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * A fresh nats-server on a machine busy with other tests can miss JetStream's 5 s API deadline on
 * the broker's first request: what that test is about comes after the start, so a start that
 * times out is tried again with a new broker.
 */
async function startBroker(config: ReturnType<typeof loadConfig>, attempts = 3): Promise<ServiceBroker> {
  for (let i = 1; ; i++) {
    const b = createBroker(config);
    try {
      await b.start();
      return b;
    } catch (err) {
      await b.stop().catch(() => undefined);
      if (i >= attempts || !/timeout/i.test(String((err as Error)?.message ?? err))) throw err;
    }
  }
}

test("readiness reports NATS down within seconds of its death, and ready again once it is back", async () => {
  const storeDir = mkdtempSync(path.join(dir, "js-"));
  nats = await startNatsServer(dir, [], { storeDir });
  const config = loadConfig({
    DATABASE_URL: "postgres://unused",
    BUS_SECRET: "b".repeat(32),
    SERVICES: "scheduler",
    LOG_LEVEL: "fatal",
    NAMESPACE: `ready${Math.random().toString(36).slice(2, 8)}`,
    NATS_URL: `nats://127.0.0.1:${nats.port}`,
    NATS_RECONNECT_WAIT_MS: "100",
  });
  broker = await startBroker(config);
  const check = () => runProbes(processProbes({ db, broker: broker!, lifecycle }));
  const ready = await until(check, (r) => r.ok, 5_000);
  expect(ready.readiness).toEqual({ ok: true, checks: { database: "ok", broker: "ok", lifecycle: "ok" } });

  const port = nats.port;
  nats.process.kill("SIGKILL");
  const down = await until(check, (r) => !r.ok, 3_000);
  expect(down.readiness.checks.broker).toMatch(/NATS transporter: \w+.*channels: \w+/);

  // Down for a few reconnect attempts: the clients keep trying, waits growing, and find it back.
  await new Promise((r) => setTimeout(r, 2_500));
  nats = await startNatsServer(dir, [], { port, storeDir });
  const up = await until(check, (r) => r.ok, 5_000);
  expect(up.readiness.checks.broker).toBe("ok");
}, 30_000);

test("an outbox whose oldest row waits past the threshold makes the process unready", async () => {
  const clock = new ManualClock();
  await db.raw("create schema stale");
  await createOutboxTable(db, "stale");
  const outbox = { schemas: ["stale"], staleAfterMs: 30_000, clock };
  const local = { transit: undefined } as unknown as ServiceBroker;
  const check = () => runProbes(processProbes({ db, broker: local, lifecycle, outbox }));

  expect((await check()).checks.outbox).toBe("ok"); // empty
  await db("stale.outbox").insert({ key: "k1", channel: "c", payload: "{}", created_at: clock.now() });
  clock.advance(30_000);
  expect((await check()).checks.outbox).toBe("ok"); // at the threshold, not past it
  clock.advance(1);
  expect(await check()).toMatchObject({ ok: false, checks: { outbox: "outbox not publishing (stale: 1 unpublished, oldest 30 s old)" } });
  await db("stale.outbox").delete();
  expect((await check()).ok).toBe(true);
});

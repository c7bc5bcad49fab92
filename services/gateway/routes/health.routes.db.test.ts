/**
 * The public `/health/ready` is what a load balancer reads: it reports an outbox that stopped
 * publishing as the health port does, not only the database, the broker and the services.
 */
import type { ServiceBroker } from "moleculer";
import { ManualClock } from "../../../libs/clock";
import type { Db } from "../../../libs/db";
import { Lifecycle } from "../../../libs/lifecycle";
import { createOutboxTable } from "../../../libs/outbox";
import { memoryDb } from "../../../test/support/db";
import type { GatewayContext } from "./context";
import { healthRoutes } from "./health.routes";

let db: Db;
beforeAll(async () => {
  db = await memoryDb();
  await db.raw("create schema gwready");
  await createOutboxTable(db, "gwready");
});
afterAll(() => db.destroy());

test("/health/ready turns 503 once the process's outbox holds a row past the threshold, and 200 again once it is published", async () => {
  const clock = new ManualClock();
  const lifecycle = new Lifecycle();
  lifecycle.markRunning();
  // Embedded-like: no transporter, and every service behind the API answers its health action.
  const broker = { transit: undefined, call: async () => ({ ok: true }) } as unknown as ServiceBroker;
  const ctx = { db, broker, clock, lifecycle, outbox: { schemas: ["gwready"], staleAfterMs: 30_000, clock } } as unknown as GatewayContext;
  const ready = healthRoutes(ctx).find((r) => r.path === "/health/ready")!;
  const probe = () => ready.handle({} as never) as Promise<{ status: number; body: { checks: Record<string, string> } }>;

  expect(await probe()).toMatchObject({ status: 200, body: { checks: { database: "ok", outbox: "ok", tasks: "ok", notify: "ok" } } });
  await db("gwready.outbox").insert({ key: "k1", channel: "c", payload: "{}", created_at: clock.now() });
  clock.advance(31_000);
  expect(await probe()).toMatchObject({ status: 503, body: { checks: { outbox: "outbox not publishing (gwready: 1 unpublished, oldest 31 s old)" } } });
  await db("gwready.outbox").delete();
  expect((await probe()).status).toBe(200);
});

/**
 * Two gateway replicas (two express apps, each with its own limiters) over one database: a
 * client balanced between them gets the limit once, not once per replica.
 */
import type { Server } from "node:http";
import express from "express";
import { postgresDb } from "../../../test/support/db";
import { AUTH_SCHEMA, migrations } from "../migrations";
import { PgRateLimitStore, RATE_LIMITS } from "./rate-limit-store";
import { authRateLimits } from "./rate-limits";

let pg: Awaited<ReturnType<typeof postgresDb>>;
const servers: Server[] = [];

beforeAll(async () => {
  pg = await postgresDb(5, { schema: AUTH_SCHEMA, migrations });
});
afterAll(async () => {
  for (const s of servers) await new Promise((r) => s.close(r));
  await pg.close();
});
beforeEach(async () => {
  await pg.db(RATE_LIMITS).delete();
});

/** A gateway replica: its own limiters (3 auth requests a minute, 2 logins), the shared database. */
async function replica(): Promise<string> {
  const app = express();
  app.use(express.json());
  const limits = authRateLimits(3, 2, pg.db);
  app.post("/login", ...limits.login, (_req, res) => void res.json({ ok: true }));
  app.post("/refresh", ...limits.auth, (_req, res) => void res.json({ ok: true }));
  app.use((err: { status?: number; code?: number }, _req: express.Request, res: express.Response, _next: express.NextFunction) => void res.status(err.code ?? 500).end());
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  servers.push(server);
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

const post = (base: string, path: string, body: object = {}) =>
  fetch(`${base}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) }).then((r) => r.status);

test("a client balanced over two replicas gets each limit once: the counters are shared", async () => {
  const [a, b] = [await replica(), await replica()];
  // Round-robin: a, b, a, b… In memory each replica would let 3 through, 6 in all.
  const refresh = [];
  for (let i = 0; i < 6; i++) refresh.push(await post(i % 2 ? b : a, "/refresh"));
  expect(refresh).toEqual([200, 200, 200, 429, 429, 429]);

  // Login counts per address and account (2), on top of the address's auth limit (3).
  await pg.db(RATE_LIMITS).delete();
  const logins = [];
  for (let i = 0; i < 4; i++) logins.push(await post(i % 2 ? a : b, "/login", { email: "Ann@example.com" }));
  expect(logins).toEqual([200, 200, 429, 429]);
  // The address's auth limit (3) is spent too, on both replicas, for any account.
  expect(await post(a, "/login", { email: "bob@example.com" })).toBe(429);
  expect(await post(b, "/refresh")).toBe(429);
});

test("the store: a window counts from its first hit, a new one starts once it ends (on the database's clock), keys are apart", async () => {
  const store = new PgRateLimitStore(pg.db, "t:");
  store.init({ windowMs: 60_000 } as never);
  const first = await store.increment("k");
  expect(first.totalHits).toBe(1);
  expect((await store.increment("k")).totalHits).toBe(2);
  expect((await store.increment("other")).totalHits).toBe(1);
  expect(await store.get("k")).toEqual({ totalHits: 2, resetTime: first.resetTime });
  await store.decrement("k");
  expect((await store.get("k"))?.totalHits).toBe(1);

  // The window ends: the next hit starts a new one at 1.
  await pg.db(RATE_LIMITS).where({ key: "t:k" }).update({ reset_at: pg.db.raw("now() - interval '1 second'") });
  expect(await store.get("k")).toBeUndefined();
  const renewed = await store.increment("k");
  expect(renewed.totalHits).toBe(1);
  expect(renewed.resetTime!.getTime()).toBeGreaterThan(first.resetTime!.getTime());

  await store.resetKey("k");
  expect(await store.get("k")).toBeUndefined();
  expect((await store.get("other"))?.totalHits).toBe(1);
});

test("the store: a key Postgres text cannot hold (NUL) or too long for its index still counts, each apart", async () => {
  const store = new PgRateLimitStore(pg.db, "t:");
  store.init({ windowMs: 60_000 } as never);
  for (const key of ["login:1.2.3.4:\u0000", "login:1.2.3.4:\u0000\u0000", `login:1.2.3.4:${"x".repeat(100_000)}`]) {
    expect((await store.increment(key)).totalHits).toBe(1);
    expect((await store.increment(key)).totalHits).toBe(2);
    expect((await store.get(key))?.totalHits).toBe(2);
    await store.decrement(key);
    expect((await store.get(key))?.totalHits).toBe(1);
    await store.resetKey(key);
    expect(await store.get(key)).toBeUndefined();
  }
});

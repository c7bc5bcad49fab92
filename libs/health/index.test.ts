import { Lifecycle } from "../lifecycle";
import { HealthServer, processProbes, runProbes, startHealthServer } from ".";

describe("runProbes", () => {
  test("reports each check as ok or why not, and is ok only when all are", async () => {
    const result = await runProbes({
      fine: () => undefined,
      asyncFine: async () => 1,
      broken: () => {
        throw new Error("boom");
      },
      rejected: () => Promise.reject(new Error("down")),
    });
    expect(result).toEqual({ ok: false, checks: { fine: "ok", asyncFine: "ok", broken: "boom", rejected: "down" } });
    expect(await runProbes({ a: () => undefined })).toEqual({ ok: true, checks: { a: "ok" } });
  });

  test("a probe that hangs fails after a bounded time", async () => {
    jest.useFakeTimers();
    try {
      const pending = runProbes({ hung: () => new Promise(() => undefined) });
      await jest.advanceTimersByTimeAsync(2_000);
      expect(await pending).toEqual({ ok: false, checks: { hung: expect.stringMatching(/no answer within/) } });
    } finally {
      jest.useRealTimers();
    }
  });
});

describe("processProbes", () => {
  const db = { raw: async () => undefined } as never;
  const broker = (connected?: boolean) => ({ transit: connected === undefined ? undefined : { connected } }) as never;

  test("ready once running, with the database answering and the broker connected", async () => {
    const lifecycle = new Lifecycle();
    expect((await runProbes(processProbes({ db, broker: broker(true), lifecycle }))).checks.lifecycle).toBe("starting");
    lifecycle.markRunning();
    expect(await runProbes(processProbes({ db, broker: broker(true), lifecycle }))).toEqual({
      ok: true,
      checks: { database: "ok", broker: "ok", lifecycle: "ok" },
    });
    expect((await runProbes(processProbes({ db, broker: broker(), lifecycle }))).ok).toBe(true); // a local broker
    expect((await runProbes(processProbes({ db, broker: broker(false), lifecycle }))).checks.broker).toMatch(/NATS/);
    lifecycle.beginDrain();
    expect((await runProbes(processProbes({ db, broker: broker(true), lifecycle }))).checks.lifecycle).toBe("draining");
  });
});

describe("the health server", () => {
  let server: HealthServer;
  let ready = { ok: true, checks: { database: "ok" } };
  beforeAll(async () => {
    server = await startHealthServer({ host: "127.0.0.1", port: 0, ready: async () => ready });
  });
  afterAll(() => server.close());
  const get = (path: string, method = "GET") => fetch(`http://127.0.0.1:${server.port}${path}`, { method });

  test("answers live, and ready with its checks: 200, then 503", async () => {
    expect(await (await get("/health/live")).json()).toEqual({ status: "live" });
    const ok = await get("/health/ready");
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ status: "ready", checks: { database: "ok" } });
    ready = { ok: false, checks: { database: "connection refused" } };
    const unready = await get("/health/ready?verbose=1");
    expect(unready.status).toBe(503);
    expect(await unready.json()).toEqual({ status: "unready", checks: { database: "connection refused" } });
  });

  test("answers 404 elsewhere and 405 to anything but GET", async () => {
    expect((await get("/")).status).toBe(404);
    expect((await get("/health/ready", "POST")).status).toBe(405);
  });
});

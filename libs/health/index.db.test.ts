import { HealthServer, startHealthServer } from ".";

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

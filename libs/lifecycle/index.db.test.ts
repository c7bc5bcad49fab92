import http, { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { closeHttpServer } from ".";

describe("closeHttpServer", () => {
  let server: Server;
  let port: number;
  const agent = new http.Agent({ keepAlive: true });

  beforeEach(async () => {
    server = http.createServer((req, res) => {
      const delay = Number(new URL(req.url!, "http://x").searchParams.get("delay") ?? 0);
      setTimeout(() => res.end("done"), delay).unref();
    });
    server.keepAliveTimeout = 30_000;
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterEach(() => server.closeAllConnections());
  afterAll(() => agent.destroy());

  const get = (delay: number) =>
    new Promise<string>((resolve, reject) => {
      http
        .get({ host: "127.0.0.1", port, path: `/?delay=${delay}`, agent }, (res) => {
          let body = "";
          res.on("data", (c) => (body += c)).on("end", () => resolve(body));
        })
        .once("error", reject);
    });

  test("lets an in-flight request finish, and no idle keep-alive connection holds it open", async () => {
    await get(0); // leaves an idle pooled connection
    const inFlight = get(200);
    await sleep(50);
    const started = Date.now();
    await closeHttpServer(server, 10_000);
    expect(await inFlight).toBe("done");
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(server.listening).toBe(false);
  });

  test("cuts what is still open after the timeout", async () => {
    const inFlight = get(60_000).catch((err: Error) => err.message);
    await sleep(50);
    const started = Date.now();
    await closeHttpServer(server, 200);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await inFlight).toMatch(/socket hang up|ECONNRESET/);
  });

  test("is a no-op on a server that is not listening", async () => {
    await closeHttpServer(server, 1_000);
    await expect(closeHttpServer(server, 1_000)).resolves.toBeUndefined();
  });
});

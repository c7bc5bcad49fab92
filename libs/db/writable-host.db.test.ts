import net from "node:net";
import knexFactory from "knex";
import { hostsOf, openDatabase } from "./index";
import { PRIMARY_RECHECK_MS, writableHostClient } from "./writable-host";

/** A Postgres wire message: type byte, length, body. */
function message(type: string, body: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeInt32BE(body.length + 4);
  return Buffer.concat([Buffer.from(type), length, body]);
}

/**
 * A server that accepts the startup, says ready, then at once sends what a backend sends when
 * its postmaster is killed (FATAL 57P01) and hangs up: the primary dying while a client of ours
 * is connected to it and idle.
 */
async function dyingPostmaster(): Promise<{ port: number; close(): Promise<void> }> {
  const server = net.createServer((socket) => {
    socket.on("error", () => undefined);
    socket.once("data", () => {
      const fields = ["SFATAL", "VFATAL", "C57P01", "Mterminating connection due to unexpected postmaster exit"];
      const fatal = Buffer.concat([...fields.map((f) => Buffer.from(`${f}\0`)), Buffer.from("\0")]);
      const authOk = message("R", Buffer.from([0, 0, 0, 0]));
      socket.end(Buffer.concat([authOk, message("Z", Buffer.from("I")), message("E", fatal)]));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

test("a host whose server dies while we ask whether it is writable is passed over, and the process lives on", async () => {
  const dying = await dyingPostmaster();
  const local = new URL(process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test");
  const db = openDatabase({ databaseUrl: `postgres://${local.username}@127.0.0.1:${dying.port},${local.host}${local.pathname}`, poolSize: 1 });
  try {
    // Unhandled, the FATAL is an 'error' event on the probe's client: it would end the process (and fail this test).
    const { rows } = await db.raw<{ rows: { port: number }[] }>("select current_setting('port')::int as port");
    expect(rows[0]!.port).toBe(Number(local.port || 5432));
  } finally {
    await db.destroy();
    await dying.close();
  }
});

describe("writableHostClient", () => {
  const local = new URL(process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/test");
  const session = { application_name: "todogenie-test", options: "-c synchronize_seqscans=off" };
  /** A port nothing listens on: the first host of the URL, refused. */
  async function closedPort(): Promise<number> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as net.AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    return port;
  }

  test("a pooled connection is kept however long after the writable host was found: no reconnect per query", async () => {
    let now = 0;
    const hosts = hostsOf(`postgres://${local.username}@127.0.0.1:${await closedPort()},${local.host}${local.pathname}`);
    const db = knexFactory({ client: writableHostClient(hosts, session, () => now), connection: { connectionString: hosts[0] }, pool: { min: 0, max: 1 } });
    try {
      const backend = async () => (await db.raw<{ rows: { pid: number; app: string }[] }>("select pg_backend_pid() as pid, current_setting('application_name') as app")).rows[0]!;
      const first = await backend();
      expect(first.app).toBe("todogenie-test");
      now += 10 * PRIMARY_RECHECK_MS;
      expect(await backend()).toEqual(first);
      now += 10 * PRIMARY_RECHECK_MS;
      expect(await backend()).toEqual(first);
    } finally {
      await db.destroy();
    }
  });

  test("no writable host: the query fails with 08001, and the next one searches again and succeeds once one answers", async () => {
    const port = await closedPort();
    const hosts = [`postgres://${local.username}@127.0.0.1:${port}${local.pathname}`];
    const db = knexFactory({ client: writableHostClient(hosts, session, () => 0), connection: { connectionString: hosts[0] }, pool: { min: 0, max: 1 }, acquireConnectionTimeout: 5_000 });
    // The same port, now forwarding to the real server: found without waiting out PRIMARY_RECHECK_MS (the clock stands still).
    let forward: net.Server | undefined;
    try {
      await expect(db.raw("select 1")).rejects.toMatchObject({ code: "08001" });
      forward = net.createServer((client) => {
        const upstream = net.connect(Number(local.port || 5432), local.hostname);
        client.on("error", () => upstream.destroy());
        upstream.on("error", () => client.destroy());
        client.pipe(upstream).pipe(client);
      });
      await new Promise<void>((resolve) => forward!.listen(port, "127.0.0.1", resolve));
      const { rows } = await db.raw<{ rows: { one: number }[] }>("select 1 as one");
      expect(rows).toEqual([{ one: 1 }]);
    } finally {
      await db.destroy();
      await new Promise((resolve) => (forward ? forward.close(resolve) : resolve(undefined)));
    }
  });
});

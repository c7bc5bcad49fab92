import net from "node:net";
import { openDatabase } from "./index";

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

import { ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";

export const NATS_SERVER = process.env.NATS_SERVER_BIN ?? "/usr/sbin/nats-server";

export const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

export interface NatsServer {
  port: number;
  process: ChildProcess;
}

/**
 * A nats-server of the test's own with JetStream, on a free port (or the given one, to come back
 * where it was), storing under `dir`; resolves once it says it is ready. The caller kills it.
 */
export async function startNatsServer(dir: string, args: string[] = [], options: { env?: Record<string, string>; port?: number; storeDir?: string } = {}): Promise<NatsServer> {
  const port = options.port ?? (await freePort());
  const storeDir = options.storeDir ?? mkdtempSync(path.join(dir, "js-"));
  const child = spawn(NATS_SERVER, ["-a", "127.0.0.1", "-p", String(port), "--jetstream", "--store_dir", storeDir, ...args], {
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on("data", (c: Buffer) => {
      log += c.toString();
      if (log.includes("Server is ready")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`nats-server exited with ${code}:\n${log}`)));
  });
  return { port, process: child };
}

/**
 * A NATS of its own that wants a user and password (started from deploy/nats.conf, as compose
 * runs it) and, if openssl is here, one that wants TLS: the broker's transporter and its
 * JetStream channels adapter both log in with what the configuration says, and nothing else gets in.
 */
import { ChildProcess, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ServiceBroker } from "moleculer";
import { loadConfig } from "../config";
import { startNatsServer } from "../../test/support/nats";
import { ROOT } from "../../test/support/stack";
import { createBroker } from ".";

const USER = "todogenie";
const PASSWORD = "Nats0Test0Password0Letters0And0Digits";
let dir: string;
const servers: ChildProcess[] = [];
const brokers: ServiceBroker[] = [];

async function startNats(args: string[], env: Record<string, string> = {}): Promise<number> {
  const server = await startNatsServer(dir, args, { env });
  servers.push(server.process);
  return server.port;
}

/** A broker as a distributed process makes it, with a ping service, on the given NATS settings. */
function broker(env: Record<string, string>): ServiceBroker {
  const config = loadConfig({
    DATABASE_URL: "postgres://unused",
    BUS_SECRET: "b".repeat(32),
    SERVICES: "scheduler",
    LOG_LEVEL: "fatal",
    NAMESPACE: `natsauth${Math.random().toString(36).slice(2, 8)}`,
    ...env,
  });
  const b = createBroker(config);
  b.createService({ name: "ping", actions: { ping: () => "pong" } });
  brokers.push(b);
  return b;
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "todogenie-nats-"));
});
afterEach(async () => {
  for (const b of brokers.splice(0)) await b.stop().catch(() => undefined);
});
afterAll(() => {
  for (const s of servers) s.kill("SIGTERM");
  rmSync(dir, { recursive: true, force: true });
});

describe("a NATS that wants a user and password (deploy/nats.conf)", () => {
  let port: number;
  beforeAll(async () => {
    port = await startNats(["-c", path.join(ROOT, "deploy/nats.conf")], { NATS_USER: USER, NATS_PASSWORD: PASSWORD });
  });

  test.each([
    ["NATS_USER and NATS_PASSWORD", () => ({ NATS_URL: `nats://127.0.0.1:${port}`, NATS_USER: USER, NATS_PASSWORD: PASSWORD })],
    ["user:pass@ in NATS_URL", () => ({ NATS_URL: `nats://${USER}:${PASSWORD}@127.0.0.1:${port}` })],
  ])("lets in a broker with the right credentials (%s): a call goes over it", async (_how, env) => {
    const b = broker(env());
    await b.start();
    await expect(b.call("ping.ping", {}, { nodeID: b.nodeID })).resolves.toBe("pong");
    // The channels adapter logged in too: it holds a JetStream connection.
    expect((b as unknown as { channelAdapter: { connected: boolean } }).channelAdapter.connected).toBe(true);
  });

  test.each([
    ["a wrong password", () => ({ NATS_URL: `nats://127.0.0.1:${port}`, NATS_USER: USER, NATS_PASSWORD: "Wrong0Password" })],
    ["no credentials", () => ({ NATS_URL: `nats://127.0.0.1:${port}` })],
  ])("refuses a broker with %s: it fails to start", async (_how, env) => {
    await expect(broker(env()).start()).rejects.toThrow(/NATS refused this process: .*authorization/i);
  });
});

let openssl = false;
try {
  execFileSync("openssl", ["version"], { stdio: "ignore" });
  openssl = true;
} catch {
  // No openssl: the TLS case is skipped, the user/password ones still run.
}

(openssl ? describe : describe.skip)("a NATS that wants TLS, with a throwaway CA", () => {
  let port: number;
  let ca: string;
  beforeAll(async () => {
    const tls = mkdtempSync(path.join(dir, "tls-"));
    const file = (name: string) => path.join(tls, name);
    const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: tls, stdio: "ignore" });
    ssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=todogenie test CA", "-keyout", "ca.key", "-out", "ca.pem");
    ssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1", "-keyout", "server.key", "-out", "server.csr");
    writeFileSync(file("ext.cnf"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
    ssl("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-days", "1", "-extfile", "ext.cnf", "-out", "server.pem");
    ca = file("ca.pem");
    port = await startNats(["--tls", "--tlscert", file("server.pem"), "--tlskey", file("server.key")]);
  });

  test("a broker that trusts the CA connects over tls://, and a call works", async () => {
    const b = broker({ NATS_URL: `tls://127.0.0.1:${port}`, NATS_TLS_CA: ca });
    await b.start();
    await expect(b.call("ping.ping", {}, { nodeID: b.nodeID })).resolves.toBe("pong");
  });

  test("a broker that does not know the CA is refused", async () => {
    await expect(broker({ NATS_URL: `tls://127.0.0.1:${port}` }).start()).rejects.toThrow(/NATS refused this process/);
  });
});

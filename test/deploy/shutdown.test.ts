import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { Api } from "../support/api";
import { BUILD_ENTRY, ROOT, startProcess, StartedProcess, stopProcess, TEST_JWT_SECRET, TEST_ONLY_ENV } from "../support/stack";

/**
 * The image's process, end to end: `npm run build`, `node dist/src/main.js` (the image's CMD),
 * then SIGTERM while a request is in flight.
 */
const DRAIN_DELAY_MS = 1_000;

let proc: StartedProcess;
let dataDir: string;

beforeAll(async () => {
  execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.build.json"], { cwd: ROOT, stdio: "pipe" });
  dataDir = mkdtempSync(path.join(tmpdir(), "todogenie-shutdown-"));
  const env = { ...TEST_ONLY_ENV, SHUTDOWN_DRAIN_DELAY_MS: String(DRAIN_DELAY_MS), JWT_SECRET: TEST_JWT_SECRET, DATA_DIR: dataDir };
  proc = startProcess(env, "dist/src/main.js", BUILD_ENTRY);
}, 120_000);

afterAll(async () => {
  if (proc) await stopProcess(proc.child);
  rmSync(dataDir, { recursive: true, force: true });
});

/** The image's HEALTHCHECK command against this process: its exit code. */
function healthcheck(port: number): number {
  try {
    execFileSync(process.execPath, ["dist/src/healthcheck.js"], { cwd: ROOT, env: { ...process.env, HEALTH_PORT: String(port) }, stdio: "pipe" });
    return 0;
  } catch (err) {
    return (err as { status: number }).status;
  }
}

const statusOf = (url: string) => fetch(url).then((r) => r.status);

/** Resolves true once nothing accepts connections on the port. */
async function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", (err: NodeJS.ErrnoException) => resolve(err.code === "ECONNREFUSED"));
  });
}

async function until<T>(what: string, probe: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`${what}: still ${String(value)} after ${timeoutMs} ms`);
    await sleep(25);
  }
}

test("the compiled entry point starts, and on SIGTERM turns unready, ends event streams with a retry hint, drains HTTP, finishes the in-flight request and exits 0", async () => {
  const { url, healthPort } = await proc.ready;
  const base = new URL(url!);
  const health = `http://127.0.0.1:${healthPort}/health`;
  expect(await statusOf(`${health}/ready`)).toBe(200);
  expect(healthcheck(healthPort)).toBe(0);
  const { accessToken } = await new Api(url!).newUser();

  // A request whose body arrives slowly: in flight from before SIGTERM until after the listener closed.
  const body = JSON.stringify({ title: "Written across a shutdown", tags: ["drain"] });
  const req = http.request({
    host: base.hostname,
    port: Number(base.port),
    method: "POST",
    path: "/api/v1/tasks",
    agent: false,
    headers: { authorization: `Bearer ${accessToken}`, "content-type": "application/json", "content-length": Buffer.byteLength(body) },
  });
  const response = new Promise<{ status: number; body: any }>((resolve, reject) => {
    req.once("error", reject).once("response", (res) => {
      let text = "";
      res.setEncoding("utf8").on("data", (c: string) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
    });
  });
  req.write(body.slice(0, 10));

  // An open event stream: on SIGTERM it must end with a retry hint rather than hold the drain.
  let streamText = "";
  const streamEnded = new Promise<void>((resolve, reject) => {
    http
      .get({ host: base.hostname, port: Number(base.port), path: "/api/v1/notifications/stream", agent: false, headers: { authorization: `Bearer ${accessToken}` } }, (res) => {
        expect(res.headers["content-type"]).toMatch(/^text\/event-stream/);
        res.setEncoding("utf8").on("data", (c: string) => (streamText += c));
        res.on("end", resolve).on("error", reject);
      })
      .once("error", reject);
  });
  await until("stream open", async () => streamText, (t) => t.includes(": connected"));
  await sleep(100);
  const exited = new Promise<number | null>((resolve) => proc.child.once("exit", (code) => resolve(code)));
  const signalledAt = Date.now();
  proc.child.kill("SIGTERM");

  // Readiness turns 503 at once, on the health port and the API's port, while both still answer.
  await until("health port readiness", () => statusOf(`${health}/ready`), (s) => s === 503, 500);
  expect(await statusOf(`${health}/live`)).toBe(200);
  expect(await statusOf(`${url}/health/ready`)).toBe(503);

  // The stream ends with a retry hint for the client to reconnect elsewhere.
  await streamEnded;
  expect(streamText).toMatch(/retry: \d+\n\n$/);

  // After the drain delay the listener closes: a new connection is refused.
  await until("API port", () => refusesConnections(Number(base.port)), (refused) => refused);
  expect(Date.now() - signalledAt).toBeGreaterThanOrEqual(DRAIN_DELAY_MS - 50);
  expect(proc.child.exitCode).toBeNull();

  // The in-flight request still completes, through the broker and the database.
  req.end(body.slice(10));
  const res = await response;
  expect(res.status).toBe(201);
  expect(res.body).toMatchObject({ title: "Written across a shutdown", tags: ["drain"], version: 1 });

  expect(await exited).toBe(0);
  expect(healthcheck(healthPort)).toBe(1);
  expect(proc.output()).not.toMatch(/shutdown took too long|Unable to stop/);
}, 60_000);

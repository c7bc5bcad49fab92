import { ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Client } from "pg";
import { DEPLOYMENT, environmentOf, ProcessSpec } from "../../deploy/services";
import pkg from "../../package.json";
import { parseReadyLine } from "../../src/ready-line";
import { Api } from "./api";

export type Mode = "embedded" | "distributed";

export const ROOT = path.resolve(__dirname, "../..");
export const TEST_CURSOR_SECRET = "e2e-cursor-secret-long-enough-for-hmac-0123456789";
export const TEST_JWT_SECRET = "e2e-secret-that-is-long-enough-for-hs256-0123456789";
export const TEST_BUS_SECRET = "e2e-bus-secret-that-signs-caller-identities-0123456789";
export const POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";
export const NATS_URL = process.env.TEST_NATS_URL ?? "nats://127.0.0.1:4222";

/** The distributed processes are the deployment's: one per service, each with the environment compose and k8s give it. */
export const DISTRIBUTED_PROCESSES: readonly ProcessSpec[] = DEPLOYMENT;

/** What only tests set: random ports on loopback, and no drain delay on stop. */
export const TEST_ONLY_ENV = { PORT: "0", HOST: "127.0.0.1", HEALTH_PORT: "0", NOTIFY_PORT: "0", SHUTDOWN_DRAIN_DELAY_MS: "0" };

/** The environment the suite starts a distributed process with: the deployment's, over test-only addresses. */
export function distributedProcessEnv(spec: ProcessSpec, values: Record<string, string>): Record<string, string> {
  const declared = new Set(DEPLOYMENT.flatMap((p) => [...p.settings, ...p.secrets]));
  const unknown = Object.keys(values).filter((name) => !declared.has(name));
  if (unknown.length) throw new Error(`${unknown.join(", ")}: not a setting or secret of any process in deploy/services.ts`);
  return { ...TEST_ONLY_ENV, ...environmentOf(spec, values) };
}

export interface RunningStack {
  mode: Mode;
  baseUrl: string;
  processes: ChildProcess[];
  env: Record<string, string>;
  stop(): Promise<void>;
}

export interface StartedProcess {
  child: ChildProcess;
  /** Resolves once the process is ready, with its API URL (when it runs the gateway) and its health port. */
  ready: Promise<{ url?: string; healthPort: number }>;
  output: () => string;
}

/** The TypeScript entry point through tsx, as `npm start` runs it. */
export const SOURCE_ENTRY = ["--import", "tsx", "src/main.ts"];
/** The compiled entry point with the image's node flags (package.json's start:prod, the image's CMD), after `npm run build`. */
export const BUILD_ENTRY = pkg.scripts["start:prod"].split(" ").slice(1);

/** Starts the entry point as a child process with the given environment over the current one. */
export function startProcess(env: Record<string, string>, label: string, entry: string[] = SOURCE_ENTRY): StartedProcess {
  const child = spawn(process.execPath, entry, {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: "warn", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const ready = new Promise<{ url?: string; healthPort: number }>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const ready = parseReadyLine(output);
      if (ready) resolve(ready);
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (c: Buffer) => (output += c.toString()));
    child.once("exit", (code) => reject(new Error(`${label} exited with ${code} before ready:\n${output}`)));
  });
  return { child, ready, output: () => output };
}

export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}

export async function createDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `todogenie_e2e_${randomBytes(6).toString("hex")}`;
  const admin = new Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new Client({ connectionString: POSTGRES_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    },
  };
}

/** Starts the whole stack as real processes, the way a user would, and waits until it answers. */
export async function startStack(mode: Mode = (process.env.E2E_MODE as Mode) ?? "embedded", extraEnv: Record<string, string> = {}): Promise<RunningStack> {
  if (mode === "embedded") {
    const dataDir = mkdtempSync(path.join(tmpdir(), "todogenie-e2e-"));
    const env = { ...TEST_ONLY_ENV, JWT_SECRET: TEST_JWT_SECRET, ...extraEnv, DATA_DIR: dataDir };
    const p = startProcess(env, "embedded");
    const { url } = await p.ready;
    return {
      mode,
      baseUrl: url!,
      processes: [p.child],
      env,
      async stop() {
        await stopProcess(p.child);
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }
  const db = await createDatabase();
  const values = { JWT_SECRET: TEST_JWT_SECRET, CURSOR_SECRET: TEST_CURSOR_SECRET, BUS_SECRET: TEST_BUS_SECRET, ...extraEnv, DATABASE_URL: db.url, NATS_URL, NAMESPACE: `e2e${randomBytes(4).toString("hex")}` };
  const started: StartedProcess[] = [];
  try {
    let baseUrl: string | undefined;
    for (const spec of DISTRIBUTED_PROCESSES) {
      const p = startProcess(distributedProcessEnv(spec, values), spec.name);
      started.push(p);
      baseUrl = (await p.ready).url ?? baseUrl;
    }
    await waitReady(baseUrl!);
    return {
      mode,
      baseUrl: baseUrl!,
      processes: started.map((p) => p.child),
      env: values,
      async stop() {
        for (const p of [...started].reverse()) await stopProcess(p.child);
        await db.drop();
      },
    };
  } catch (err) {
    for (const p of started) await stopProcess(p.child);
    await db.drop();
    throw err;
  }
}

/** Processes discover each other over NATS; readiness says when the gateway can reach them all. */
async function waitReady(baseUrl: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const res = await fetch(`${baseUrl}/health/ready`).catch(() => undefined);
    if (res?.status === 200) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`stack at ${baseUrl} never became ready`);
}

/** A stack in the mode under test, a client for it, and `count` fresh users. */
export async function startWithUsers(count: number, extraEnv: Record<string, string> = {}) {
  const stack = await startStack(undefined, extraEnv);
  const api = new Api(stack.baseUrl);
  const users = await Promise.all(Array.from({ length: count }, () => api.newUser()));
  return { stack, api, users };
}

/** For a test file: `startWithUsers` before its tests, stopped after them; the fields are filled in by then. */
export function useStackWithUsers(count: number, extraEnv: Record<string, string> = {}) {
  const fixture = {} as Awaited<ReturnType<typeof startWithUsers>>;
  beforeAll(async () => {
    Object.assign(fixture, await startWithUsers(count, extraEnv));
  }, 90_000);
  afterAll(() => fixture.stack?.stop(), 30_000);
  return fixture;
}

import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Client } from "pg";
import { DEPLOYMENT } from "../../deploy/services";
import type { ServiceName } from "../../libs/config";
import { freePort, NatsServer, startNatsServer } from "../support/nats";
import {
  BUILD_ENTRY,
  createDatabase,
  distributedProcessEnv,
  ROOT,
  StartedProcess,
  startProcess,
  stopProcess,
  TEST_BUS_SECRET,
  TEST_CURSOR_SECRET,
  TEST_JWT_SECRET,
} from "../support/stack";

/** What the build compiles: a newer file than dist/src/main.js means the build is stale. */
const BUILD_INPUTS = ["src", "libs", "services", "deploy", "package.json", "tsconfig.build.json", "tsconfig.json"];

function newestMtime(p: string): number {
  const stat = statSync(p);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(p, { recursive: true, withFileTypes: true })) {
    // Tests are not built (tsconfig.build.json): editing one leaves dist/ as fresh as it was.
    if (entry.isFile() && entry.name.endsWith(".ts") && !entry.name.endsWith(".test.ts")) newest = Math.max(newest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** `npm run build` once, when dist/ is missing or older than its sources: the suite runs the image's entry point. */
export function buildIfStale(): void {
  const entry = path.join(ROOT, "dist/src/main.js");
  const built = existsSync(entry) ? statSync(entry).mtimeMs : 0;
  const sources = Math.max(...BUILD_INPUTS.map((p) => newestMtime(path.join(ROOT, p))));
  if (built >= sources) return;
  execFileSync(process.execPath, [require.resolve("typescript/bin/tsc"), "-p", "tsconfig.build.json"], { cwd: ROOT, stdio: "pipe" });
}

/**
 * The distributed deployment as processes of the built entry point, over a NATS server and a
 * database of its own, any part of which the suite kills and brings back. The gateway keeps one
 * port across restarts, so clients reconnect to where they were.
 */
export class FaultStack {
  readonly processes = new Map<ServiceName, StartedProcess>();
  /** Every process ever started, killed ones too: FAULT_LOG_DIR gets their output. */
  private readonly started: { name: string; process: StartedProcess }[] = [];
  baseUrl = "";
  private gatewayPort = 0;

  private constructor(
    private readonly dir: string,
    private nats: NatsServer,
    private readonly storeDir: string,
    private readonly db: { url: string; drop(): Promise<void> },
    private readonly values: Record<string, string>,
  ) {}

  static async start(): Promise<FaultStack> {
    const dir = mkdtempSync(path.join(tmpdir(), "todogenie-fault-"));
    const storeDir = mkdtempSync(path.join(dir, "js-"));
    const nats = await startNatsServer(dir, [], { storeDir });
    const db = await createDatabase();
    const values = {
      JWT_SECRET: TEST_JWT_SECRET,
      CURSOR_SECRET: TEST_CURSOR_SECRET,
      BUS_SECRET: TEST_BUS_SECRET,
      DATABASE_URL: db.url,
      NATS_URL: `nats://127.0.0.1:${nats.port}`,
      NAMESPACE: `fault${randomBytes(4).toString("hex")}`,
    };
    const stack = new FaultStack(dir, nats, storeDir, db, values);
    stack.gatewayPort = await freePort();
    stack.baseUrl = `http://127.0.0.1:${stack.gatewayPort}`;
    for (const spec of DEPLOYMENT) await stack.startService(spec.name);
    await stack.waitReady(30_000);
    return stack;
  }

  /** Starts the service's process; resolves once it says it is ready. */
  async startService(name: ServiceName): Promise<void> {
    const spec = DEPLOYMENT.find((p) => p.name === name)!;
    const env = { ...distributedProcessEnv(spec, this.values), ...(name === "gateway" ? { PORT: String(this.gatewayPort) } : {}) };
    const p = startProcess(env, name, BUILD_ENTRY);
    this.processes.set(name, p);
    this.started.push({ name, process: p });
    await p.ready;
  }

  /** kill -9: no goodbye to NATS, no drain, open transactions and leases left behind. */
  async killService(name: ServiceName): Promise<void> {
    const child = this.processes.get(name)!.child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  }

  async killNats(): Promise<void> {
    const exited = new Promise((resolve) => this.nats.process.once("exit", resolve));
    this.nats.process.kill("SIGKILL");
    await exited;
  }

  /** Back on the same port and store: what a restarted NATS pod looks like to its clients. */
  async restartNats(): Promise<void> {
    this.nats = await startNatsServer(this.dir, [], { port: this.nats.port, storeDir: this.storeDir });
  }

  /** Terminates every backend of the test database: each pool finds its connections dead. */
  async cutPostgres(): Promise<number> {
    const admin = new Client({ connectionString: this.db.url });
    await admin.connect();
    try {
      const { rowCount } = await admin.query("select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()");
      return rowCount ?? 0;
    } finally {
      await admin.end();
    }
  }

  async waitReady(withinMs: number): Promise<void> {
    const deadline = Date.now() + withinMs;
    while (Date.now() < deadline) {
      const res = await fetch(`${this.baseUrl}/health/ready`, { signal: AbortSignal.timeout(3_000) }).catch(() => undefined);
      if (res?.status === 200) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`the stack never became ready:\n${[...this.processes].map(([n, p]) => `--- ${n}\n${p.output().slice(-2_000)}`).join("\n")}`);
  }

  /** Every process's output, for a failure's message. */
  output(): string {
    return [...this.processes].map(([n, p]) => `--- ${n}\n${p.output().slice(-3_000)}`).join("\n");
  }

  async stop(): Promise<void> {
    for (const spec of [...DEPLOYMENT].reverse()) {
      const p = this.processes.get(spec.name);
      if (p) await stopProcess(p.child);
    }
    this.nats.process.kill("SIGKILL");
    const logs = process.env.FAULT_LOG_DIR;
    if (logs) this.started.forEach(({ name, process: p }, i) => writeFileSync(path.join(logs, `${i}-${name}.log`), p.output()));
    await this.db.drop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

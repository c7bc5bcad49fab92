import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Client } from "pg";
import { openDatabase } from "../../libs/db";
import { DEPLOYMENT } from "../../deploy/services";
import type { ServiceName } from "../../libs/config";
import { freePort, NatsServer, startNatsServer } from "../support/nats";
import { RoundRobin, startRoundRobin } from "./round-robin";
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

/** The suite's topology: one NATS server and one process a service, or more of each. */
export interface Topology {
  /** NATS servers, clustered when more than one (streams then keep a copy on each, up to 3). */
  natsNodes: number;
  /** Processes of each service; the gateway stays one (it keeps the clients' port) unless `gateways` says more. */
  replicas: number;
  /** Gateways behind a round-robin TCP proxy on the clients' port (./round-robin.ts); default one, on that port. */
  gateways?: number;
  /** The database (DATABASE_URL, DATABASE_READ_URL); default a fresh one on the shared server. */
  database?: () => Promise<{ url: string; readUrl?: string; drop(): Promise<void> }>;
}

const SINGLE: Topology = { natsNodes: 1, replicas: 1 };

/** The process id of a service's replica: its name for the first, `name-2`, `name-3`… after. */
export const replicaId = (name: ServiceName, i: number) => (i === 0 ? name : `${name}-${i + 1}`);

/**
 * The distributed deployment as processes of the built entry point, over NATS servers and a
 * database of its own, any part of which the suite kills and brings back. The gateway keeps one
 * port across restarts, so clients reconnect to where they were; a NATS server keeps its ports and store.
 */
export class FaultStack {
  /** By process id (see replicaId). */
  readonly processes = new Map<string, StartedProcess>();
  /** Every process ever started, killed ones too: FAULT_LOG_DIR gets their output. */
  private readonly started: { name: string; process: StartedProcess }[] = [];
  baseUrl = "";
  private gatewayPort = 0;
  /** With several gateways: each one's own port, and the proxy on gatewayPort. */
  private gatewayPorts: number[] = [];
  private proxy?: RoundRobin;

  private constructor(
    private readonly dir: string,
    private readonly nats: NatsServer[],
    private readonly natsArgs: string[][],
    private readonly storeDirs: string[],
    private readonly db: { url: string; drop(): Promise<void> },
    private readonly values: Record<string, string>,
    readonly topology: Topology,
  ) {}

  static async start(topology: Topology = SINGLE): Promise<FaultStack> {
    const dir = mkdtempSync(path.join(tmpdir(), "todogenie-fault-"));
    const nodes = Array.from({ length: topology.natsNodes }, (_, i) => i);
    const storeDirs = nodes.map(() => mkdtempSync(path.join(dir, "js-")));
    const ports = await distinctFreePorts(2 * nodes.length);
    const clientPorts = ports.slice(0, nodes.length);
    const natsArgs = clusterArgs(ports.slice(nodes.length));
    const nats = await Promise.all(nodes.map((i) => startNatsServer(dir, natsArgs[i], { port: clientPorts[i], storeDir: storeDirs[i] })));
    const db: { url: string; readUrl?: string; drop(): Promise<void> } = await (topology.database ?? createDatabase)();
    const values: Record<string, string> = {
      JWT_SECRET: TEST_JWT_SECRET,
      CURSOR_SECRET: TEST_CURSOR_SECRET,
      BUS_SECRET: TEST_BUS_SECRET,
      DATABASE_URL: db.url,
      NATS_URL: nats.map((n) => `nats://127.0.0.1:${n.port}`).join(","),
      NATS_STREAM_REPLICAS: String(Math.min(3, nats.length)),
      NAMESPACE: `fault${randomBytes(4).toString("hex")}`,
      ...(db.readUrl ? { DATABASE_READ_URL: db.readUrl } : {}),
    };
    const stack = new FaultStack(dir, nats, natsArgs, storeDirs, db, values, topology);
    stack.gatewayPort = await freePort();
    stack.baseUrl = `http://127.0.0.1:${stack.gatewayPort}`;
    const gateways = topology.gateways ?? 1;
    if (gateways > 1) {
      stack.gatewayPorts = await distinctFreePorts(gateways);
      stack.proxy = await startRoundRobin(stack.gatewayPort, stack.gatewayPorts);
    }
    for (const spec of DEPLOYMENT) {
      for (let i = 0; i < (spec.name === "gateway" ? gateways : topology.replicas); i++) await stack.startService(replicaId(spec.name, i));
    }
    await stack.waitReady(30_000);
    return stack;
  }

  /** Starts the process (a service's name, or a replica's id); resolves once it says it is ready. */
  async startService(id: string): Promise<void> {
    const spec = DEPLOYMENT.find((p) => id === p.name || id.startsWith(`${p.name}-`))!;
    const gatewayPort = this.gatewayPorts.length ? this.gatewayPorts[id === "gateway" ? 0 : Number(id.split("-").pop()) - 1]! : this.gatewayPort;
    const env = { ...distributedProcessEnv(spec, this.values), ...(spec.name === "gateway" ? { PORT: String(gatewayPort) } : {}) };
    const p = startProcess(env, id, BUILD_ENTRY);
    this.processes.set(id, p);
    this.started.push({ name: id, process: p });
    await p.ready;
  }

  /** kill -9: no goodbye to NATS, no drain, open transactions and leases left behind. */
  async killService(id: string): Promise<void> {
    const child = this.processes.get(id)!.child;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  }

  /** kill -9 of one NATS server (the only one, on a single server). */
  async killNats(node = 0): Promise<void> {
    const server = this.nats[node]!;
    const exited = new Promise((resolve) => server.process.once("exit", resolve));
    server.process.kill("SIGKILL");
    await exited;
  }

  /** Back on the same ports and store: what a restarted NATS pod looks like to its clients and its peers. */
  async restartNats(node = 0): Promise<void> {
    this.nats[node] = await startNatsServer(this.dir, this.natsArgs[node], { port: this.nats[node]!.port, storeDir: this.storeDirs[node] });
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

  /**
   * Where a reminder that never arrived stopped: the scheduler's job for it (none: the task's
   * event never reached a scheduler), its state, what waits in the scheduler's outbox, and
   * whether notify recorded it.
   */
  async whereIs(reminderId: string, taskId: string): Promise<string> {
    const db = openDatabase({ databaseUrl: this.db.url, poolSize: 1 });
    try {
      const jobs = await db("scheduler.jobs").where({ reminder_id: reminderId }).select("state", "fire_at", "fired_at", "key");
      const waiting = jobs.length ? await db("scheduler.outbox").whereIn("key", jobs.map((j) => j.key)).count({ n: "*" }) : [{ n: 0 }];
      const recorded = await db("notify.notifications").where({ reminder_id: reminderId }).count({ n: "*" });
      const applied = await db("scheduler.task_versions").where({ task_id: taskId }).first("version");
      const unsent = await db("tasks.outbox").whereRaw("payload->>'taskId' = ?", [taskId]).count({ n: "*" });
      const dead = await db.raw("select count(*)::int as n from scheduler.dead_letters union all select count(*)::int from notify.dead_letters").catch(() => ({ rows: [] }));
      return `task events in the tasks outbox ${unsent[0]?.n}, applied by the scheduler up to version ${applied?.version ?? "none"}, jobs ${JSON.stringify(jobs)}, in the scheduler outbox ${waiting[0]?.n}, notifications ${recorded[0]?.n}, dead letters (scheduler, notify) ${JSON.stringify(dead.rows.map((r: { n: number }) => r.n))}`;
    } catch (err) {
      return `(could not look: ${(err as Error).message})`;
    } finally {
      await db.destroy();
    }
  }

  /** Connections the round-robin proxy handed to each gateway so far, by port (empty with one gateway). */
  gatewayConnections(): number[] {
    return this.gatewayPorts.map((p) => this.proxy?.served.get(p) ?? 0);
  }

  /** Every process's output, for a failure's message. */
  output(): string {
    return [...this.processes].map(([n, p]) => `--- ${n}\n${p.output().slice(-3_000)}`).join("\n");
  }

  async stop(): Promise<void> {
    // The gateway first, the way they started backwards.
    for (const p of [...this.processes.values()].reverse()) await stopProcess(p.child);
    for (const n of this.nats) n.process.kill("SIGKILL");
    await this.proxy?.close();
    const logs = process.env.FAULT_LOG_DIR;
    if (logs) this.started.forEach(({ name, process: p }, i) => writeFileSync(path.join(logs, `${i}-${name}.log`), p.output()));
    await this.db.drop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** `count` free ports, none the same (a port freed and handed out twice would collide). */
async function distinctFreePorts(count: number): Promise<number[]> {
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

/**
 * Each server's cluster flags: a name (JetStream clustering needs one), the cluster's name, its
 * route port on loopback and routes to every server. None for a single server.
 */
function clusterArgs(ports: number[]): string[][] {
  if (ports.length === 1) return [[]];
  const routes = ports.map((p) => `nats://127.0.0.1:${p}`).join(",");
  return ports.map((p, i) => ["--server_name", `n${i + 1}`, "--cluster_name", "todogenie-fault", "--cluster", `nats://127.0.0.1:${p}`, "--routes", routes]);
}

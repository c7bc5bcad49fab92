/**
 * The stack against its floor, in one run: the plain server of bench/floor-server.ts and the
 * distributed stack (bench/stack.sh) on the benchmark database (bench/seed.ts), one user, one
 * token, loaded one after the other for each scenario, each printed with the ratio.
 *
 *   npm run bench:floor [-- --duration 15 --connections 100 --only get --rounds 3]
 *   NODE_EXTRA="--cpu-prof --cpu-prof-dir=/tmp/prof" npm run bench:floor   (profiles of the stack's processes)
 *
 * With STACK_RUNNING=1 the stack already up on :3000 is used (and left running). With
 * `--prepared-floor` the floor runs its statements as named prepared statements, as the tasks service
 * runs its by-id and value-free list reads.
 *
 * With `--serve "status=todo,in_progress&sort=dueAt&limit=50"` only the floor starts, on :3000, and
 * answers every list with the caller's own page of that query: bench/load.ts against the floor,
 * for its scenarios that ask that query. `--search "q=invoice&status=todo&sort=dueAt&limit=20"`
 * sets the search it answers (by default `q=invoice&limit=20`), there and in the comparison;
 * `--user <id>` whose tasks (by default a typical user with over 100).
 */
import { ChildProcess, execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import autocannon from "autocannon";
import jwt from "jsonwebtoken";
import type { Knex } from "knex";
import { packAbility } from "../libs/authz";
import { listTasksQuery, ListTasksQuery } from "../libs/contracts";
import { openDatabase } from "../libs/db";
import type { SearchQuery } from "../services/search/engine";
import { relevanceSql, sortedSql } from "../services/search/pg/pg-search";
import { expandedTsquery, expandPrefixes, queryWords, visibleScopes } from "../services/search/pg/text-query";
import { listTasksSql } from "../services/tasks/task-list";
import { BENCH_DATABASE_URL, BENCH_JWT_SECRET, rssMiB, TYPICAL_MIN, TYPICAL_SPREAD, USERS } from "./bench-env";
import type { FloorSpec, Statement } from "./floor-server";

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
};
const DURATION = Number(arg("duration", "15"));
/** Floor and stack alternate this many times per scenario; above one, the medians are printed too. */
const ROUNDS = Number(arg("rounds", "1"));
const WARMUP = Number(arg("warmup", "3"));
const CONNECTIONS = Number(arg("connections", "100"));
const ONLY = arg("only", "");
const PREPARED_FLOOR = process.argv.includes("--prepared-floor");
const FLOOR_PORT = 3100;
const STACK_URL = "http://127.0.0.1:3000";
const LIST_QUERY = "limit=50";
/** `--search` changes it; with a `sort`, the floor runs the sorted search's statements. */
const SEARCH_QUERY = arg("search", "q=invoice&limit=20");

/** A typical user with over 100 tasks (seed.ts gives user k 57 + (k * 7919) % 67 of them), or `--user`. */
function benchUser(): string {
  const chosen = arg("user", "");
  if (chosen) return chosen;
  let k = 2;
  while (TYPICAL_MIN + ((k * 7919) % TYPICAL_SPREAD) < 115 && k < USERS) k++;
  return `00000000-0000-4000-8000-${k.toString(16).padStart(12, "0")}`;
}

const native = (q: Knex.QueryBuilder | Knex.Raw): Statement => {
  const { sql, bindings } = q.toSQL().toNative();
  return { text: sql, values: [...bindings] };
};

/** The statements the tasks and search services run for the bench user's list page and search. */
async function statements(db: Knex, userId: string, listQuery = LIST_QUERY): Promise<Pick<FloorSpec, "list" | "search">> {
  const auth = packAbility({ id: userId, roles: ["member"] });
  const parse = (qs: string) => listTasksQuery.parse(Object.fromEntries(new URLSearchParams(qs))) as ListTasksQuery;
  const list = [native(listTasksSql(db, auth, parse(listQuery), new Date()))];
  const query = parse(SEARCH_QUERY) as SearchQuery;
  const search: Statement[] = [];
  // The query event carries the statement as sent (with $n placeholders).
  const record = (q: { sql: string; bindings?: unknown[] }) => search.push({ text: q.sql, values: q.bindings ?? [] });
  db.on("query", record);
  const tsquery = expandedTsquery(await expandPrefixes(db, visibleScopes(auth), queryWords(query.q!)));
  db.off("query", record);
  const match = { mode: "words" as const, tsquery: tsquery!, q: query.q! };
  search.push(native((query.sort ? sortedSql : relevanceSql)(db, auth, query, match, new Date())));
  return { list, search };
}

/** CPU seconds (user + system) a process has used so far, from /proc (clock ticks of 10 ms). */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}
const pidsOf = (name: string) => {
  try {
    return execFileSync("pgrep", ["-x", name], { encoding: "utf8" }).split("\n").filter(Boolean).map(Number);
  } catch {
    return [];
  }
};

/** The gateway's event-loop delay since its last scrape (prom-client resets the histogram on each), in ms. */
async function gatewayLoopLag(): Promise<{ p99: number; max: number } | undefined> {
  const text = await fetch(`${STACK_URL}/metrics`).then((r) => r.text(), () => "");
  const read = (name: string) => Number(new RegExp(`^todogenie_nodejs_eventloop_lag_${name}_seconds\\S* (\\S+)$`, "m").exec(text)?.[1]) * 1000;
  return text ? { p99: Math.round(read("p99")), max: Math.round(read("max")) } : undefined;
}

async function waitFor(url: string, headers: Record<string, string>): Promise<void> {
  for (let i = 0; i < 300; i++) {
    const ok = await fetch(url, { headers }).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} never answered`);
}

interface Row {
  scenario: string;
  target: "floor" | "stack";
  rps: number;
  p50: number;
  p99: number;
  max: number;
  errors: number;
  rss: Record<string, number>;
  /** The gateway's event-loop delay over the measured window. */
  loopLagMs?: { p99: number; max: number };
  /** CPU ms per request, by process. */
  cpu: Record<string, number>;
}

/** CPU of `pids` over `work`, in ms per request; Postgres and NATS serve other clients on this machine too. */
async function cpuPerRequest<T extends { result: autocannon.Result }>(pids: Record<string, number[]>, work: () => Promise<T>) {
  const before = new Map(Object.values(pids).flat().map((pid) => [pid, cpuSeconds(pid)]));
  const out = await work();
  // A process that ended meanwhile (another client's Postgres backend) is left out rather than counted negative.
  const used = (list: number[]) => list.reduce((sum, pid) => sum + Math.max(0, cpuSeconds(pid) - before.get(pid)!), 0);
  const cpu = Object.fromEntries(Object.entries(pids).map(([k, list]) => [k, +((used(list) * 1000) / out.result.requests.total).toFixed(2)]));
  return { ...out, cpu };
}

async function load(base: string, paths: () => string, token: string, seconds: number, sample?: () => Record<string, number>) {
  let rss: Record<string, number> = {};
  const timer = sample ? setTimeout(() => (rss = sample()), (seconds * 1000) / 2) : undefined;
  const result = await autocannon({
    url: base,
    connections: CONNECTIONS,
    duration: seconds,
    headers: { authorization: `Bearer ${token}` },
    requests: [{ method: "GET", setupRequest: (req) => ({ ...req, path: paths() }) }],
  });
  clearTimeout(timer);
  return { result, rss };
}

/** The floor alone on the stack's port, each caller's own page of `listQuery`, until killed. */
async function serve(listQuery: string): Promise<void> {
  const userId = benchUser();
  const db = openDatabase({ databaseUrl: BENCH_DATABASE_URL, poolSize: 1 });
  const spec: FloorSpec = {
    port: 3000, databaseUrl: BENCH_DATABASE_URL, jwtSecret: BENCH_JWT_SECRET, userId, prepared: PREPARED_FLOOR, ...(await statements(db, userId, listQuery)),
  };
  await db.destroy();
  spawn(process.execPath, ["--import", "tsx", "bench/floor-server.ts"], { env: { ...process.env, FLOOR_SPEC: JSON.stringify(spec) }, stdio: "inherit" });
}

async function main(): Promise<void> {
  const serving = arg("serve", "");
  if (serving) return serve(serving);
  const userId = benchUser();
  const token = jwt.sign({ roles: ["member"] }, BENCH_JWT_SECRET, { algorithm: "HS256", subject: userId, issuer: "todogenie", audience: "todogenie-api", expiresIn: 7200 });
  const db = openDatabase({ databaseUrl: BENCH_DATABASE_URL, poolSize: 1 });
  const ids = (await db("tasks.tasks").where({ owner_id: userId }).orderBy("id").limit(100).pluck("id")) as string[];
  const spec: FloorSpec = { port: FLOOR_PORT, databaseUrl: BENCH_DATABASE_URL, jwtSecret: BENCH_JWT_SECRET, prepared: PREPARED_FLOOR, ...(await statements(db, userId)) };
  await db.destroy();

  const children: ChildProcess[] = [];
  const floor = spawn(process.execPath, ["--import", "tsx", "bench/floor-server.ts"], { env: { ...process.env, FLOOR_SPEC: JSON.stringify(spec) }, stdio: "inherit" });
  children.push(floor);
  let stackPids: number[] = [];
  try {
    if (!process.env.STACK_RUNNING) execFileSync("bash", ["bench/stack.sh"], { stdio: ["ignore", "ignore", "inherit"] });
    stackPids = readFileSync("/tmp/todogenie-bench.pids", "utf8").split("\n").filter(Boolean).map(Number);
    const auth = { authorization: `Bearer ${token}` };
    await waitFor(`http://127.0.0.1:${FLOOR_PORT}/api/v1/tasks/${ids[0]}`, auth);
    await waitFor(`${STACK_URL}/api/v1/tasks/${ids[0]}`, auth);
    const names = ["tasks", "search+", "gateway"];
    const sample = () => Object.fromEntries(stackPids.map((pid, i) => [names[i] ?? String(pid), rssMiB(pid)]));
    const idle = { ...sample(), floor: rssMiB(floor.pid!) };
    process.stderr.write(`user ${userId}, ${ids.length} tasks by id; ${CONNECTIONS} connections, ${DURATION} s (+${WARMUP} s warm-up) each; idle RSS MiB ${JSON.stringify(idle)}\n`);

    let n = 0;
    const scenarios = [
      { name: "GET /tasks/:id", key: "get", path: () => `/api/v1/tasks/${ids[n++ % ids.length]}` },
      { name: `list page (${LIST_QUERY})`, key: "list", path: () => `/api/v1/tasks?${LIST_QUERY}` },
      { name: `search (${SEARCH_QUERY})`, key: "search", path: () => `/api/v1/tasks?${SEARCH_QUERY}` },
    ].filter((s) => !ONLY || ONLY.split(",").includes(s.key));
    const rows: Row[] = [];
    // Rounds alternate floor and stack per scenario: a quiet or busy spell of the machine falls on both.
    for (let round = 0; round < ROUNDS; round++) {
      for (const s of scenarios) {
        for (const target of ["floor", "stack"] as const) {
          const base = target === "floor" ? `http://127.0.0.1:${FLOOR_PORT}` : STACK_URL;
          if (WARMUP > 0) await load(base, s.path, token, WARMUP);
          const own = target === "stack" ? Object.fromEntries(stackPids.map((pid, i) => [names[i] ?? String(pid), [pid]])) : { floor: [floor.pid!] };
          const shared = { postgres: pidsOf("postgres"), nats: pidsOf("nats-server") };
          if (target === "stack") await gatewayLoopLag();
          const { result, rss, cpu } = await cpuPerRequest({ ...own, ...shared }, () =>
            load(base, s.path, token, DURATION, target === "stack" ? sample : () => ({ floor: rssMiB(floor.pid!) })),
          );
          const row: Row = {
            scenario: s.name,
            target,
            rps: Math.round(result.requests.total / DURATION),
            p50: result.latency.p50,
            p99: result.latency.p99,
            max: result.latency.max,
            errors: result.errors + result.timeouts + result.non2xx,
            rss,
            cpu,
            loopLagMs: target === "stack" ? await gatewayLoopLag() : undefined,
          };
          process.stderr.write(`${JSON.stringify(row)}\n`);
          rows.push(row);
        }
      }
    }
    process.stdout.write(`\n${new Date().toISOString()}, ${CONNECTIONS} connections, ${DURATION} s each; idle RSS MiB ${JSON.stringify(idle)}\n\n`);
    const ownCpu = (r: Row) => Object.entries(r.cpu).filter(([k]) => k !== "postgres" && k !== "nats").reduce((sum, [, v]) => sum + v, 0);
    process.stdout.write("| scenario | floor req/s | floor p50 / p99 ms | stack req/s | stack p50 / p99 / max ms | errors | throughput ratio | p99 ratio | CPU ms/request floor : stack (Node processes) | gateway loop lag p99 / max ms | stack RSS under load, MiB |\n");
    process.stdout.write("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
    for (let i = 0; i < rows.length; i += 2) {
      const [f, st] = [rows[i]!, rows[i + 1]!];
      process.stdout.write(
        `| ${f.scenario} | ${f.rps} | ${f.p50} / ${f.p99} | ${st.rps} | ${st.p50} / ${st.p99} / ${st.max} | ${f.errors + st.errors} | ` +
          `${(st.rps / f.rps).toFixed(2)} | ${(st.p99 / f.p99).toFixed(1)} × | ${ownCpu(f).toFixed(2)} : ${ownCpu(st).toFixed(2)} | ${st.loopLagMs ? `${st.loopLagMs.p99} / ${st.loopLagMs.max}` : "-"} | ${Object.entries(st.rss).map(([k, v]) => `${k} ${v}`).join(", ")} |\n`,
      );
    }
    if (ROUNDS > 1) printMedians(rows);
  } finally {
    floor.kill("SIGTERM");
    if (!process.env.STACK_RUNNING) {
      for (const pid of stackPids) process.kill(pid, "SIGTERM");
      // A --cpu-prof profile is written as a process exits: wait for them.
      for (let i = 0; i < 150 && stackPids.some((pid) => rssMiB(pid) > 0); i++) await new Promise((r) => setTimeout(r, 200));
    }
  }
}

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Per scenario over the rounds: the median ratios, with their range, which a single run cannot give on a noisy box. */
function printMedians(rows: Row[]): void {
  const pairs = new Map<string, { rps: number[]; p99: number[] }>();
  for (let i = 0; i < rows.length; i += 2) {
    const [f, st] = [rows[i]!, rows[i + 1]!];
    const ratios = pairs.get(f.scenario) ?? { rps: [], p99: [] };
    ratios.rps.push(st.rps / f.rps);
    ratios.p99.push(st.p99 / f.p99);
    pairs.set(f.scenario, ratios);
  }
  const range = (xs: number[], digits: number) => `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;
  process.stdout.write(`\n| scenario | rounds | throughput ratio, median (range) | p99 ratio, median (range) |\n|---|---:|---:|---:|\n`);
  for (const [scenario, r] of pairs) process.stdout.write(`| ${scenario} | ${r.rps.length} | ${range(r.rps, 2)} | ${range(r.p99, 1)} × |\n`);
}

main().catch((err) => {
  process.stderr.write(`floor failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});

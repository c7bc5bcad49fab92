/**
 * One account's flood beside another account's searches, on a running stack seeded by
 * bench/seed.ts: does the other user wait behind the flood? The 100k-task user sends prefix +
 * facet searches on `connections` connections, while a typical user searches on 2, both for
 * `seconds`; each is printed with its throughput and latencies.
 *
 *   npx tsx bench/fairness.ts [connections=100] [seconds=15]
 */
import autocannon from "autocannon";
import jwt from "jsonwebtoken";
import { BENCH_JWT_SECRET, HEAVY_USER } from "./bench-env";

const BASE_URL = process.env.BASE_URL ?? "http://127.0.0.1:3000";
const CONNECTIONS = Number(process.argv[2] ?? 100);
const SECONDS = Number(process.argv[3] ?? 15);
const OTHER_USER = "00000000-0000-4000-8000-000000000005";

const token = (sub: string) =>
  jwt.sign({ roles: ["member"] }, BENCH_JWT_SECRET, { algorithm: "HS256", subject: sub, issuer: "todogenie", audience: "todogenie-api", expiresIn: 7200 });

const load = (path: string, connections: number, user: string) =>
  autocannon({ url: `${BASE_URL}${path}`, connections, duration: SECONDS, headers: { authorization: `Bearer ${token(user)}` } });

async function main(): Promise<void> {
  const [flood, other] = await Promise.all([
    load("/api/v1/tasks?q=in&facets=status,priority,tag,projectId", CONNECTIONS, HEAVY_USER),
    load("/api/v1/tasks?q=invoice&limit=20", 2, OTHER_USER),
  ]);
  const row = (name: string, r: autocannon.Result) =>
    `| ${name} | ${Math.round(r.requests.total / SECONDS)} | ${r.latency.p50} / ${r.latency.p99} | ${r.errors + r.timeouts + r.non2xx} |`;
  process.stdout.write(`| who | req/s | p50 / p99 ms | errors |\n|---|---:|---:|---:|\n`);
  process.stdout.write(`${row(`flood: the 100k user, prefix + facets, ${CONNECTIONS} connections`, flood)}\n${row("another user's search, 2 connections", other)}\n`);
}

main().catch((err) => {
  process.stderr.write(`fairness failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});

/**
 * Load through the HTTP API of a running stack seeded by bench/seed.ts. Run by hand:
 *   BASE_URL=http://127.0.0.1:3000 JWT_SECRET=... npm run bench:load [-- --duration 20 --connections 100 --only list]
 * Every scenario runs for `duration` seconds at `connections` concurrent connections, each
 * request picking a user, a word and a cursor at random; latencies are recorded per response.
 */
import jwt from "jsonwebtoken";
import { BENCH_JWT_SECRET, HEAVY_USER, NOUNS, USERS, VERBS } from "./bench-env";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require("autocannon") as (opts: object) => AutocannonInstance;
interface AutocannonInstance extends PromiseLike<AutocannonResult> {
  on(event: "response", listener: (client: unknown, status: number, bytes: number, ms: number) => void): void;
}
interface AutocannonResult {
  errors: number;
  timeouts: number;
  non2xx: number;
  requests: { total: number };
}

const BASE_URL = process.env.BASE_URL ?? "http://127.0.0.1:3000";
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
};
const DURATION = Number(arg("duration", "20"));
const CONNECTIONS = Number(arg("connections", "100"));
const ONLY = arg("only", "");
/** Scenarios whose name contains this text, e.g. `--scenario "tag sort"`. */
const SCENARIO = arg("scenario", "");

const userId = (k: number) => `00000000-0000-4000-8000-${k.toString(16).padStart(12, "0")}`;
const token = (id: string) =>
  jwt.sign({ roles: ["member"] }, BENCH_JWT_SECRET, { algorithm: "HS256", subject: id, issuer: "todogenie", audience: "todogenie-api", expiresIn: 7200 });

const pick = <T>(list: T[]): T => list[Math.floor(Math.random() * list.length)]!;
const typical = Array.from({ length: 2_000 }, () => token(userId(2 + Math.floor(Math.random() * (USERS - 1)))));
const heavy = token(HEAVY_USER);

/** Whole words, prefixes and typos of the words titles are made of. */
const WORDS = [
  ...NOUNS.map((n) => n.split(" ")[0]!),
  "land", "quart", "news", "invo", "grocries", "budgte", "dentst", "roadmpa",
];

const HEAVY_LIST = "status=todo,in_progress&sort=dueAt&limit=50";

/** Cursors deep into the heavy user's list: walked once, 200 rows a page (a cursor does not pin the page size). */
async function deepCursors(): Promise<string[]> {
  const cursors: string[] = [];
  let cursor: string | null = null;
  do {
    const res = await fetch(`${BASE_URL}/api/v1/tasks?status=todo,in_progress&sort=dueAt&limit=200${cursor ? `&cursor=${cursor}` : ""}`, {
      headers: { authorization: `Bearer ${heavy}` },
    });
    if (res.status !== 200) throw new Error(`walking the heavy list: ${res.status} ${await res.text()}`);
    cursor = ((await res.json()) as { nextCursor: string | null }).nextCursor;
    if (cursor) cursors.push(cursor);
  } while (cursor);
  return cursors;
}

interface Scenario {
  name: string;
  kind: "list" | "search" | "prefix";
  next(): { path: string; token: string };
}

const FACETS = "facets=status,priority,tag,projectId";
/** One or two letters of a title word. */
const short = () => {
  const word = pick([...VERBS, ...NOUNS]).toLowerCase();
  return encodeURIComponent(word.slice(0, 1 + Math.floor(Math.random() * 2)));
};

function scenarios(cursors: string[]): Scenario[] {
  const q = () => encodeURIComponent(pick(WORDS));
  return [
    { name: "list, typical user: status=todo,in_progress sort=dueAt, page 1", kind: "list", next: () => ({ path: `/api/v1/tasks?${HEAVY_LIST}`, token: pick(typical) }) },
    { name: "list, typical user: tag sort=-priority,dueAt, page 1", kind: "list", next: () => ({ path: `/api/v1/tasks?tag=work,home&sort=-priority,dueAt&limit=50`, token: pick(typical) }) },
    { name: "list, 100k user: status=todo,in_progress sort=dueAt, page 1", kind: "list", next: () => ({ path: `/api/v1/tasks?${HEAVY_LIST}`, token: heavy }) },
    { name: "list, 100k user: priority=high,urgent sort=-priority,dueAt, page 1", kind: "list", next: () => ({ path: "/api/v1/tasks?priority=high,urgent&sort=-priority,dueAt&limit=50", token: heavy }) },
    { name: "list, 100k user: deep pages via cursor", kind: "list", next: () => ({ path: `/api/v1/tasks?${HEAVY_LIST}&cursor=${pick(cursors)}`, token: heavy }) },
    { name: "search, typical user: q (relevance)", kind: "search", next: () => ({ path: `/api/v1/tasks?q=${q()}&limit=20`, token: pick(typical) }) },
    { name: "search, typical user: q + status + sort=dueAt", kind: "search", next: () => ({ path: `/api/v1/tasks?q=${q()}&status=todo,in_progress&sort=dueAt&limit=20`, token: pick(typical) }) },
    { name: "search, 100k user: q (relevance)", kind: "search", next: () => ({ path: `/api/v1/tasks?q=${q()}&limit=20`, token: heavy }) },
    { name: "search, 100k user: q + status + priority + sort=dueAt", kind: "search", next: () => ({ path: `/api/v1/tasks?q=${q()}&status=todo,in_progress&priority=high,urgent&sort=dueAt&limit=20`, token: heavy }) },
    // Search as you type: the first one or two letters of a title word (issue 15), with and without facet counts.
    { name: "prefix, typical user: 1-2 letters", kind: "prefix", next: () => ({ path: `/api/v1/tasks?q=${short()}&limit=20`, token: pick(typical) }) },
    { name: "prefix, 100k user: 1-2 letters", kind: "prefix", next: () => ({ path: `/api/v1/tasks?q=${short()}&limit=20`, token: heavy }) },
    { name: "prefix + facets, typical user", kind: "prefix", next: () => ({ path: `/api/v1/tasks?q=${short()}&limit=20&${FACETS}`, token: pick(typical) }) },
    { name: "prefix + facets, 100k user", kind: "prefix", next: () => ({ path: `/api/v1/tasks?q=${short()}&limit=20&${FACETS}`, token: heavy }) },
  ];
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function run(s: Scenario) {
  const latencies: number[] = [];
  const instance = autocannon({
    url: BASE_URL,
    connections: CONNECTIONS,
    duration: DURATION,
    requests: [
      {
        method: "GET",
        setupRequest: (req: object) => {
          const { path, token: t } = s.next();
          return { ...req, path, headers: { authorization: `Bearer ${t}` } };
        },
      },
    ],
  });
  instance.on("response", (_client, _status, _bytes, ms) => latencies.push(ms));
  const result = await instance;
  latencies.sort((a, b) => a - b);
  return {
    scenario: s.name,
    requests: result.requests.total,
    rps: Math.round(result.requests.total / DURATION),
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    errors: result.errors + result.timeouts + result.non2xx,
    goalMs: s.kind === "list" ? 50 : s.name.includes("facets") ? 150 : 100,
  };
}

async function main(): Promise<void> {
  const kinds = ONLY ? ONLY.split(",") : undefined;
  const wanted = (x: Scenario) => (!kinds || kinds.includes(x.kind)) && x.name.includes(SCENARIO);
  const cursors = scenarios([]).some((x) => wanted(x) && x.name.includes("deep")) ? await deepCursors() : [];
  process.stderr.write(`${cursors.length} deep cursors; ${CONNECTIONS} connections, ${DURATION} s per scenario\n`);
  const rows = [];
  for (const s of scenarios(cursors).filter(wanted)) {
    const row = await run(s);
    process.stderr.write(`${JSON.stringify(row)}\n`);
    rows.push(row);
  }
  const f = (ms: number) => ms.toFixed(1);
  process.stdout.write("| scenario | requests | req/s | p50 ms | p95 ms | p99 ms | errors | p95 goal |\n|---|---:|---:|---:|---:|---:|---:|---|\n");
  for (const r of rows) {
    const met = r.p95 <= r.goalMs ? "met" : "missed";
    process.stdout.write(`| ${r.scenario} | ${r.requests} | ${r.rps} | ${f(r.p50)} | ${f(r.p95)} | ${f(r.p99)} | ${r.errors} | ≤ ${r.goalMs}: ${met} |\n`);
  }
}

main().catch((err) => {
  process.stderr.write(`load failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});

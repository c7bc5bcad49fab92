/**
 * The embedded default (one process, PGlite) at 100 connections, the issue 14 bar: one user
 * with 2,000 tasks; GET by id, a 50-task list page, a search and a create, each for `seconds`.
 * Also the start-up time on a fresh DATA_DIR (spawn to ready).
 *
 *   npx tsx bench/embedded.ts [seconds=10] [GET,list,search,create]
 */
import autocannon from "autocannon";
import { rssMiB } from "./bench-env";
import { Api } from "../test/support/api";
import { startStack } from "../test/support/stack";

const SECONDS = Number(process.argv[2] ?? 10);
const TASKS = 2_000;
const WORDS = ["invoice", "groceries", "dentist", "budget", "roadmap", "garden", "flight", "report"];

async function main(): Promise<void> {
  const t0 = performance.now();
  const stack = await startStack("embedded");
  const startupMs = Math.round(performance.now() - t0);
  try {
    const api = new Api(stack.baseUrl);
    const user = await api.newUser();
    const ids: string[] = [];
    for (let i = 0; i < TASKS; i += 20) {
      const batch = await Promise.all(
        Array.from({ length: 20 }, (_, j) =>
          api.post("/tasks", { title: `${WORDS[(i + j) % WORDS.length]} task ${i + j}`, tags: ["bench"] }, { token: user.accessToken }),
        ),
      );
      ids.push(...batch.map((r) => r.body.id as string));
    }
    const pid = stack.processes[0]!.pid!;
    process.stderr.write(`embedded ready in ${startupMs} ms (spawn to ready, fresh DATA_DIR); ${ids.length} tasks; RSS idle ${rssMiB(pid)} MiB\n`);
    let n = 0;
    const only = process.argv[3]?.split(",");
    const scenarios = [
      { name: "GET /tasks/:id", method: "GET", path: () => `/api/v1/tasks/${ids[n++ % ids.length]}` },
      { name: "list page (limit=50, sort=dueAt)", method: "GET", path: () => "/api/v1/tasks?limit=50&sort=dueAt" },
      { name: "search (q=<word>)", method: "GET", path: () => `/api/v1/tasks?q=${WORDS[n++ % WORDS.length]}&limit=20` },
      { name: "create", method: "POST", path: () => "/api/v1/tasks", body: JSON.stringify({ title: "bench create" }) },
    ] as const;
    process.stdout.write("| scenario | req/s | p50 ms | p99 ms | max ms | errors | RSS mid-run, MiB |\n|---|---:|---:|---:|---:|---:|---:|\n");
    for (const s of scenarios.filter((x) => !only || only.some((o) => x.name.startsWith(o)))) {
      let rss = NaN;
      const sample = setTimeout(() => (rss = rssMiB(pid)), (SECONDS * 1000) / 2);
      const result = await autocannon({
        url: stack.baseUrl,
        connections: 100,
        duration: SECONDS,
        headers: { authorization: `Bearer ${user.accessToken}`, "content-type": "application/json" },
        requests: [{ method: s.method, setupRequest: (req) => ({ ...req, path: s.path(), ...("body" in s ? { body: s.body } : {}) }) }],
      });
      clearTimeout(sample);
      const errors = `${result.errors + result.timeouts + result.non2xx} (${result.timeouts} timeouts, statuses ${JSON.stringify(result.statusCodeStats)})`;
      process.stdout.write(`| ${s.name} | ${Math.round(result.requests.total / SECONDS)} | ${result.latency.p50} | ${result.latency.p99} | ${result.latency.max} | ${errors} | ${rss} |\n`);
    }
  } finally {
    await stack.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});

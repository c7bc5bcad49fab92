/**
 * Start-up time of the embedded stack, and GET /api/v1/tasks/:id at 100 concurrent
 * connections (autocannon) against the embedded stack and the distributed one
 * (gateway and tasks as separate processes over NATS and Postgres).
 *
 *   npx tsx bench/get-task.ts [seconds=20]
 */
import autocannon from "autocannon";
import { Api } from "../test/support/api";
import { Mode, startStack } from "../test/support/stack";

const SECONDS = Number(process.argv[2] ?? 20);

async function measure(mode: Mode) {
  const t0 = performance.now();
  const stack = await startStack(mode);
  const startupMs = Math.round(performance.now() - t0);
  try {
    const api = new Api(stack.baseUrl);
    const user = await api.newUser();
    const ids: string[] = [];
    for (let i = 0; i < 100; i++) ids.push((await api.post("/tasks", { title: `Task ${i}`, tags: ["bench"] }, { token: user.accessToken })).body.id);
    let n = 0;
    const result = await autocannon({
      url: stack.baseUrl,
      connections: 100,
      duration: SECONDS,
      headers: { authorization: `Bearer ${user.accessToken}` },
      requests: [{ method: "GET", setupRequest: (req) => ({ ...req, path: `/api/v1/tasks/${ids[n++ % ids.length]}` }) }],
    });
    return {
      mode,
      startupMs,
      requestsPerSecond: Math.round(result.requests.average),
      latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
      non2xx: result.non2xx,
      errors: result.errors,
    };
  } finally {
    await stack.stop();
  }
}

async function main() {
  for (const mode of ["embedded", "distributed"] as Mode[]) console.log(JSON.stringify(await measure(mode)));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

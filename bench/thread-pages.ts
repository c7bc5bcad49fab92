/**
 * Issue 17's pages at 10 connections (autocannon), on the distributed stack: a task's children
 * (GET /tasks?parentId=), its comments and its history, each page of 50. Small data (one
 * user, 200 children, 200 comments, ~400 history entries): the plans at scale are checked by
 * services/tasks/list-plans.db.test.ts; this measures the request path.
 *
 *   npx tsx bench/thread-pages.ts [seconds=10]
 */
import autocannon from "autocannon";
import { Api } from "../test/support/api";
import { startStack } from "../test/support/stack";

const SECONDS = Number(process.argv[2] ?? 10);

async function main() {
  const stack = await startStack("distributed");
  try {
    const api = new Api(stack.baseUrl);
    const user = await api.newUser();
    const as = { token: user.accessToken };
    const parent = (await api.post("/tasks", { title: "Parent" }, as)).body.id;
    for (let i = 0; i < 200; i++) {
      const child = (await api.post("/tasks", { title: `Child ${i}`, parentId: parent }, as)).body.id;
      if (i % 2 === 0) await api.patch(`/tasks/${child}`, { status: "in_progress" }, as);
      await api.post(`/tasks/${parent}/comments`, { text: `Comment ${i}` }, as);
    }
    for (const [name, path] of [
      ["children", `/api/v1/tasks?parentId=${parent}`],
      ["comments", `/api/v1/tasks/${parent}/comments`],
      ["history", `/api/v1/tasks/${parent}/history`],
    ]) {
      const r = await autocannon({ url: stack.baseUrl + path, connections: 10, duration: SECONDS, headers: { authorization: `Bearer ${user.accessToken}` } });
      console.log(JSON.stringify({ page: name, rps: Math.round(r.requests.average), p50: r.latency.p50, p90: r.latency.p90, p97_5: r.latency.p97_5, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors }));
    }
  } finally {
    await stack.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

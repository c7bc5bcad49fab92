/**
 * Issue 15's freshness goal: a new or changed task is searchable within 1 s (p99) under 100
 * writes a second. Against a running stack (bench/stack.sh, or BASE), a writer creates and
 * renames tasks at RATE per second, each with a word of its own; every SAMPLE-th write is
 * followed by a search for that word every POLL_MS until it is found (or 10 s pass).
 * Printed: writes done, the write latency, and write-committed → found in search (p50/p95/p99/max).
 *
 *   BASE=http://127.0.0.1:3000 npx tsx bench/search-freshness.ts [seconds=30] [rate=100]
 */
import { Api } from "../test/support/api";

const BASE = process.env.BASE ?? "http://127.0.0.1:3000";
const SECONDS = Number(process.argv[2] ?? 30);
const RATE = Number(process.argv[3] ?? 100);
const SAMPLE = Number(process.env.SAMPLE ?? 5);
const POLL_MS = Number(process.env.POLL_MS ?? 50);
const GIVE_UP_MS = 10_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const quantile = (xs: number[], q: number) => (xs.length ? xs[Math.min(xs.length - 1, Math.floor(q * xs.length))]! : NaN);
// Letters only, so the word is one token to every tokenizer; unique per run and write.
const run = Array.from({ length: 4 }, () => String.fromCharCode(97 + Math.floor(Math.random() * 26))).join("");
const wordOf = (n: number) => `fresh${run}${n.toString(26).replace(/[0-9]/g, (d) => String.fromCharCode(113 + Number(d)))}`;

async function main(): Promise<void> {
  const api = new Api(BASE);
  const users = await Promise.all(Array.from({ length: 10 }, () => api.newUser()));
  const writeMs: number[] = [];
  const visibleMs: number[] = [];
  let lost = 0;
  let failed = 0;
  const owned: { id: string; version: number; token: string }[] = [];
  const polls: Promise<void>[] = [];

  const findable = async (token: string, word: string, committedAt: number): Promise<void> => {
    while (performance.now() - committedAt < GIVE_UP_MS) {
      const res = await api.get(`/tasks?q=${word}&limit=1`, { token });
      if (res.status === 200 && res.body.items.length > 0) {
        visibleMs.push(performance.now() - committedAt);
        return;
      }
      await sleep(POLL_MS);
    }
    lost++;
  };

  const write = async (n: number): Promise<void> => {
    const user = users[n % users.length]!;
    const word = wordOf(n);
    const started = performance.now();
    // Every other write changes an existing task, so updates are measured as well as creates.
    const existing = n % 2 === 1 ? owned.find((t) => t.token === user.accessToken) : undefined;
    const res = existing
      ? await api.patch(`/tasks/${existing.id}`, { title: `renamed ${word}` }, { token: user.accessToken })
      : await api.post("/tasks", { title: `bench ${word}` }, { token: user.accessToken });
    const committedAt = performance.now();
    if (res.status >= 300) {
      failed++;
      return;
    }
    writeMs.push(committedAt - started);
    if (existing) owned.splice(owned.indexOf(existing), 1);
    owned.push({ id: res.body.id, version: res.body.version, token: user.accessToken });
    if (n % SAMPLE === 0) polls.push(findable(user.accessToken, word, committedAt));
  };

  const writes: Promise<void>[] = [];
  const start = performance.now();
  for (let n = 0; n < SECONDS * RATE; n++) {
    const due = start + (n * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    writes.push(write(n));
  }
  await Promise.all(writes);
  const wallS = (performance.now() - start) / 1000;
  await Promise.all(polls);
  writeMs.sort((a, b) => a - b);
  visibleMs.sort((a, b) => a - b);
  const f = (xs: number[]) => `p50 ${quantile(xs, 0.5).toFixed(0)} / p95 ${quantile(xs, 0.95).toFixed(0)} / p99 ${quantile(xs, 0.99).toFixed(0)} / max ${quantile(xs, 1).toFixed(0)} ms`;
  console.log(`writes: ${writeMs.length} ok, ${failed} failed, ${(writeMs.length / wallS).toFixed(0)}/s over ${wallS.toFixed(1)} s (asked ${RATE}/s)`);
  console.log(`write latency: ${f(writeMs)}`);
  console.log(`committed → found by search: ${visibleMs.length} sampled, ${lost} not found within ${GIVE_UP_MS / 1000} s; ${f(visibleMs)} (poll every ${POLL_MS} ms)`);
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});

/**
 * The search writer's cost of comments, on the local Postgres (a scratch database, dropped
 * after): batches of 200 task upserts applied to an index holding N tasks, a tenth of them
 * with comments (EVERY), measured with and without comments in the batch, then batches of
 * comment edits, and the plan of the comments probe. `TASKS=60000 EVERY=1 npx tsx bench/comment-index-write.ts`.
 */
import { randomUUID } from "node:crypto";
import { performance } from "node:perf_hooks";
import { migrations, SEARCH_SCHEMA } from "../services/search/migrations";
import { applyChanges } from "../services/search/pg/pg-writer";
import type { IndexChange } from "../services/search/engine";
import { postgresDb } from "../test/support/db";
import { randomTasks, seeded } from "../test/support/task-fixtures";

const TASKS = Number(process.env.TASKS ?? 20_000);
const BATCH = 200;
/** Every EVERY-th task has 3 comments. */
const EVERY = Number(process.env.EVERY ?? 10);

async function main(): Promise<void> {
  const { db, close } = await postgresDb(2, { schema: SEARCH_SCHEMA, migrations });
  try {
    const owner = randomUUID();
    const now = new Date();
    const tasks = randomTasks(TASKS, owner, seeded(7));
    for (let i = 0; i < tasks.length; i += BATCH) await applyChanges(db, tasks.slice(i, i + BATCH).map((task) => ({ kind: "upsert", task })), now);
    const commented = tasks.filter((_, i) => i % EVERY === 0);
    const comments: IndexChange[] = commented.flatMap((t) =>
      [1, 2, 3].map((n) => ({ kind: "comment" as const, comment: { id: randomUUID(), taskId: t.id, ownerId: owner, text: `comment ${n} about the marquee and pegs`, createdAt: now.toISOString(), version: 1, deleted: false } })),
    );
    for (let i = 0; i < comments.length; i += BATCH) await applyChanges(db, comments.slice(i, i + BATCH), now);
    await db.raw("analyze");
    const time = async (label: string, pick: (i: number) => boolean) => {
      const chosen = tasks.filter((_, i) => pick(i)).slice(0, BATCH * 20);
      const samples: number[] = [];
      for (let i = 0; i < chosen.length; i += BATCH) {
        const batch = chosen.slice(i, i + BATCH).map((t) => ({ kind: "upsert" as const, task: { ...t, version: t.version + 1 + i } }));
        const start = performance.now();
        await applyChanges(db, batch, now);
        samples.push(performance.now() - start);
      }
      samples.sort((a, b) => a - b);
      console.log(`${label}: ${samples.length} batches of ${BATCH}, median ${samples[samples.length >> 1]!.toFixed(1)} ms, max ${samples[samples.length - 1]!.toFixed(1)} ms`);
    };
    if (EVERY > 1) await time("tasks without comments", (i) => i % EVERY !== 0);
    await time("tasks with 3 comments each", (i) => i % EVERY === 0);
    const start = performance.now();
    for (let i = 0; i < 10; i++) await applyChanges(db, comments.slice(i * BATCH, (i + 1) * BATCH).map((c) => (c.kind === "comment" ? { kind: "comment" as const, comment: { ...c.comment, text: "edited text", version: 2 } } : c)), now);
    console.log(`comment edits: 10 batches of ${BATCH}, mean ${((performance.now() - start) / 10).toFixed(1)} ms`);
    const plan = await db.raw(`explain (analyze, buffers) select task_id, id, text from ${SEARCH_SCHEMA}.comments where task_id in (${tasks.slice(1, 201).map(() => "?").join(",")}) and not deleted order by task_id, created_at, id`, tasks.slice(1, 201).map((t) => t.id));
    // The probe every batch of task upserts makes (the filter's 200 ids left out of the print).
    console.log(plan.rows.map((r: { "QUERY PLAN": string }) => r["QUERY PLAN"]).filter((l: string) => !l.includes("Filter:") && !l.includes("Index Cond:") && !l.includes("Recheck Cond:")).join("\n"));
  } finally {
    await close();
  }
}

main().then(() => process.exit(0), (err) => { console.error(err); process.exit(1); });

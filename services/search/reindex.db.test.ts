import { randomUUID } from "node:crypto";
import { packAbility } from "../../libs/authz";
import { ManualClock } from "../../libs/clock";
import { CommentEvent, listTasksQuery, TaskDto } from "../../libs/contracts";
import { CursorCodec } from "../../libs/task-query";
import { postgresDb } from "../../test/support/db";
import { randomTasks, seeded } from "../../test/support/task-fixtures";
import type { SearchQuery } from "./engine";
import { PgSearchEngine } from "./pg/pg-engine";
import { reindex } from "./reindex";

/** `npm run reindex`'s pass on the Postgres engine: tasks, then comments, then the sweep of both. */
const clock = new ManualClock(new Date("2026-11-05T12:00:00Z"));
const alice = packAbility({ id: randomUUID(), roles: ["member"] });
const task = (title: string): TaskDto => ({ ...randomTasks(1, alice.userId, seeded(3))[0]!, id: randomUUID(), title, description: "", tags: [] });
const commentOn = (t: TaskDto, text: string): CommentEvent => ({
  key: randomUUID(),
  commentId: randomUUID(),
  taskId: t.id,
  projectId: t.projectId,
  ownerId: t.ownerId,
  authorId: t.ownerId,
  text,
  mentions: [],
  createdAt: clock.now().toISOString(),
  updatedAt: clock.now().toISOString(),
  version: 1,
});

test("a rebuild writes every task and comment again, in pages, and sweeps what the source no longer has", async () => {
  const { db, close } = await postgresDb(2);
  try {
    const engine = new PgSearchEngine(db, new CursorCodec("reindex-db-test-cursor-secret-0123456789", clock), clock);
    await engine.prepare();
    const ids = async (q: string) => (await engine.search(alice, listTasksQuery.parse({ q }) as SearchQuery)).items.map((t) => t.id);
    const tasks = Array.from({ length: 5 }, (_, i) => task(`Lantern ${i}`));
    const comments = tasks.map((t, i) => commentOn(t, `firefly ${i}`));
    // What the index held before: a task and a comment the source no longer has (their deletions were missed).
    const gone = task("Lantern gone");
    await engine.apply([{ kind: "upsert", task: gone }, { kind: "upsert", task: tasks[0]! }]);
    await engine.apply([{ kind: "comment", comment: { id: randomUUID(), taskId: tasks[0]!.id, ownerId: alice.userId, text: "moth", createdAt: clock.now().toISOString(), version: 1, deleted: false } }]);
    expect(await ids("moth")).toEqual([tasks[0]!.id]);
    clock.advance(1_000);

    const pages: string[] = [];
    const byId = <T>(items: T[], id: (x: T) => string, after: string | undefined, limit: number) =>
      items.filter((x) => !after || id(x) > after).sort((a, b) => (id(a) < id(b) ? -1 : 1)).slice(0, limit);
    const result = await reindex(
      engine,
      async (afterId, limit) => (pages.push(`tasks after ${afterId ?? "start"}`), { items: byId(tasks, (t) => t.id, afterId, limit), total: tasks.length }),
      async (afterId, limit) => (pages.push(`comments after ${afterId ?? "start"}`), { items: byId(comments, (c) => c.commentId, afterId, limit) }),
      clock,
      { batchSize: 2 },
    );
    expect(result).toEqual({ indexed: 5, comments: 5, removed: 2 });
    expect(pages.filter((p) => p.startsWith("comments"))).toHaveLength(3);
    expect((await ids("firefly")).sort()).toEqual(tasks.map((t) => t.id).sort());
    expect(await ids("moth")).toEqual([]);
    expect(await ids("gone")).toEqual([]);
  } finally {
    await close();
  }
});

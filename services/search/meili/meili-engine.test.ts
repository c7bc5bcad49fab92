import { randomUUID } from "node:crypto";
import type { Index } from "meilisearch" with { "resolution-mode": "import" };
import { packAbility } from "../../../libs/authz";
import { ManualClock } from "../../../libs/clock";
import { listTasksQuery, TaskDto } from "../../../libs/contracts";
import { CursorCodec } from "../../../libs/task-query";
import { randomTasks, seeded } from "../../../test/support/task-fixtures";
import type { SearchQuery } from "../engine";
import type { MeiliDoc } from "./meili-documents";
import { MeiliSearchEngine } from "./meili-engine";

/**
 * The engine's own logic against an in-memory stand-in for an index (no server here): the
 * version check before each write, tombstones, and the search request it sends. What
 * Meilisearch itself does with them is the contract test's business (MEILI_URL).
 */
class FakeIndex {
  docs = new Map<string, MeiliDoc>();
  searches: { q: string; params: Record<string, unknown> }[] = [];
  hits: { task: TaskDto }[] = [];
  async getDocuments({ filter }: { filter: string }) {
    const ids = [...filter.matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
    return { results: ids.flatMap((id) => (this.docs.has(id) ? [{ id, version: this.docs.get(id)!.version }] : [])) };
  }
  addDocuments(docs: MeiliDoc[]) {
    for (const d of docs) this.docs.set(d.id, d);
    return { waitTask: async () => ({ status: "succeeded" }) };
  }
  async search(q: string, params: Record<string, unknown>) {
    this.searches.push({ q, params });
    return { hits: this.hits.slice(Number(params.offset), Number(params.offset) + Number(params.limit)) };
  }
}

class TestEngine extends MeiliSearchEngine {
  constructor(readonly fake: FakeIndex, cursors: CursorCodec, clock: ManualClock) {
    super({ url: "http://unused", indexUid: "t" }, cursors, clock);
  }
  protected override async connect() {
    return this.fake as unknown as Index<MeiliDoc>;
  }
}

const clock = new ManualClock(new Date("2026-11-05T12:00:00Z"));
const alice = packAbility({ id: randomUUID(), roles: ["member"] });
let fake: FakeIndex;
let engine: TestEngine;
const task = (version: number, title = "T"): TaskDto => ({ ...randomTasks(1, alice.userId, seeded(2))[0]!, id: "t1", title, version });

beforeEach(async () => {
  fake = new FakeIndex();
  engine = new TestEngine(fake, new CursorCodec("meili-engine-test-secret-0123456789ab", clock), clock);
  await engine.prepare();
});

test("an older change never overwrites a newer version; a delete is a tombstone a late update cannot lift", async () => {
  await engine.apply([{ kind: "upsert", task: task(2, "two") }]);
  await engine.apply([{ kind: "upsert", task: task(1, "one") }]);
  expect(fake.docs.get("t1")).toMatchObject({ version: 2, title: "two" });
  await engine.apply([{ kind: "delete", id: "t1", ownerId: alice.userId, version: 3 }]);
  await engine.apply([{ kind: "upsert", task: task(2, "two") }]);
  expect(fake.docs.get("t1")).toMatchObject({ version: 3, deleted: true });
  expect(fake.docs.get("t1")).not.toHaveProperty("task");
});

test("a rebuild rewrites equal versions; ordinary changes do not", async () => {
  await engine.apply([{ kind: "upsert", task: task(2, "two") }]);
  fake.docs.get("t1")!.indexedAt = 0;
  await engine.apply([{ kind: "upsert", task: task(2, "two") }]);
  expect(fake.docs.get("t1")!.indexedAt).toBe(0);
  await engine.apply([{ kind: "upsert", task: task(2, "two") }], { refresh: true });
  expect(fake.docs.get("t1")!.indexedAt).toBe(clock.now().getTime());
});

test("a search sends the caller's visibility, the filters and the sort, and pages by a signed offset", async () => {
  fake.hits = randomTasks(5, alice.userId, seeded(4)).map((t) => ({ task: t }));
  const query = (extra: Record<string, string>) => listTasksQuery.parse({ q: "rent", status: "todo", sort: "dueAt", limit: "2", ...extra }) as SearchQuery;
  const first = await engine.search(alice, query({}));
  expect(first.items).toEqual(fake.hits.slice(0, 2).map((h) => h.task));
  expect(fake.searches[0]).toEqual({
    q: "rent",
    params: {
      filter: ["deleted = false", `(ownerId = "${alice.userId}" AND projectId IS NULL)`, 'status IN ["todo"]'],
      sort: ["dueAt:asc", "id:asc"],
      offset: 0,
      limit: 3,
      attributesToRetrieve: ["task"],
    },
  });
  const second = await engine.search(alice, query({ cursor: first.nextCursor! }));
  expect(second.items).toEqual(fake.hits.slice(2, 4).map((h) => h.task));
  const third = await engine.search(alice, query({ cursor: second.nextCursor! }));
  expect(third).toEqual({ items: [fake.hits[4]!.task], nextCursor: null });
  await expect(engine.search(alice, query({ sort: "-dueAt", cursor: first.nextCursor! }))).rejects.toMatchObject({ type: "VALIDATION" });
});

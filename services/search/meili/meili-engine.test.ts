import { randomUUID } from "node:crypto";
import type { Index } from "meilisearch" with { "resolution-mode": "import" };
import { packAbility } from "../../../libs/authz";
import { ManualClock } from "../../../libs/clock";
import { listTasksQuery, TaskDto } from "../../../libs/contracts";
import { CursorCodec } from "../../../libs/task-query";
import { randomTasks, seeded } from "../../../test/support/task-fixtures";
import type { IndexChange, SearchQuery } from "../engine";
import { MEILI_SETTINGS, MeiliDoc } from "./meili-documents";
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
  facetDistribution?: Record<string, Record<string, number>>;
  writes: { kind: "add" | "update"; docs: Partial<MeiliDoc>[] }[] = [];
  async getDocuments({ filter, fields }: { filter: string; fields: (keyof MeiliDoc)[] }) {
    const ids = [...filter.matchAll(/"([^"]+)"/g)].map((m) => m[1]!);
    const pick = (d: MeiliDoc) => Object.fromEntries(fields.filter((f) => f in d).map((f) => [f, structuredClone(d[f])]));
    return { results: ids.flatMap((id) => (this.docs.has(id) ? [pick(this.docs.get(id)!)] : [])) };
  }
  addDocuments(docs: MeiliDoc[]) {
    this.writes.push({ kind: "add", docs });
    for (const d of docs) this.docs.set(d.id, d);
    return { waitTask: async () => ({ status: "succeeded" }) };
  }
  /** A partial update: the fields given replace those stored, the rest stay (Meilisearch's updateDocuments). */
  updateDocuments(docs: (Partial<MeiliDoc> & { id: string })[]) {
    this.writes.push({ kind: "update", docs });
    for (const d of docs) this.docs.set(d.id, { ...this.docs.get(d.id)!, ...d });
    return { waitTask: async () => ({ status: "succeeded" }) };
  }
  async search(q: string, params: Record<string, unknown>) {
    this.searches.push({ q, params });
    const offset = Number(params.offset ?? 0);
    return { hits: this.hits.slice(offset, offset + Number(params.limit)), facetDistribution: params.facets ? this.facetDistribution : undefined };
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

const query = (extra: Record<string, string>) => listTasksQuery.parse({ q: "rent", status: "todo", sort: "dueAt", limit: "2", ...extra }) as SearchQuery;
const visibility = () => ["deleted = false", `(ownerId = "${alice.userId}" AND projectId IS NULL)`, 'status IN ["todo"]'];

test("a relevance or title search pages by a signed offset", async () => {
  fake.hits = randomTasks(5, alice.userId, seeded(4)).map((t) => ({ task: t }));
  const first = await engine.search(alice, query({ sort: "title" }));
  expect(first.items.map((t) => t.id)).toEqual(fake.hits.slice(0, 2).map((h) => h.task.id));
  expect(fake.searches[0]).toEqual({
    q: "rent",
    params: { filter: visibility(), sort: ["title:asc", "idKey:asc"], offset: 0, limit: 3, attributesToRetrieve: ["task", "comments"] },
  });
  const second = await engine.search(alice, query({ sort: "title", cursor: first.nextCursor! }));
  expect(second.items.map((t) => t.id)).toEqual(fake.hits.slice(2, 4).map((h) => h.task.id));
  const third = await engine.search(alice, query({ sort: "title", cursor: second.nextCursor! }));
  expect(third).toMatchObject({ items: [{ id: fake.hits[4]!.task.id }], nextCursor: null });
  await expect(engine.search(alice, query({ sort: "-title", cursor: first.nextCursor! }))).rejects.toMatchObject({ type: "VALIDATION" });
});

test("a search on numeric sort keys pages by keyset: the next page filters on what follows the last hit", async () => {
  const tasks = randomTasks(3, alice.userId, seeded(4));
  tasks[1] = { ...tasks[1]!, dueAt: "2026-11-06T09:00:00.000Z" };
  fake.hits = tasks.map((t) => ({ task: t }));
  const first = await engine.search(alice, query({ sort: "dueAt,-priority" }));
  expect(fake.searches[0]!.params).toEqual({ filter: visibility(), sort: ["dueAt:asc", "priority:desc", "idKey:desc"], limit: 3, attributesToRetrieve: ["task", "comments"] });
  fake.hits = [];
  await engine.search(alice, query({ sort: "dueAt,-priority", cursor: first.nextCursor! }));
  const last = tasks[1]!;
  const due = Date.parse(last.dueAt!);
  const rank = ["none", "low", "medium", "high", "urgent"].indexOf(last.priority);
  const id = parseInt(last.id.replace(/-/g, "").slice(0, 13), 16);
  expect(fake.searches[1]!.params.filter).toEqual([
    ...visibility(),
    `((dueAt > ${due} OR dueAt NOT EXISTS) OR (dueAt = ${due} AND priority < ${rank}) OR (dueAt = ${due} AND priority = ${rank} AND idKey < ${id}))`,
  ]);
  expect(fake.searches[1]!.params).not.toHaveProperty("offset");
});

test("facets: the distribution in the API's names, from the whole match set on later keyset pages", async () => {
  fake.hits = randomTasks(3, alice.userId, seeded(4)).map((t) => ({ task: t }));
  fake.facetDistribution = { status: { todo: 3 }, priority: { "3": 2, "0": 1 }, tags: { work: 2 }, projectId: {} };
  const first = await engine.search(alice, query({ facets: "status,priority,tag,projectId" }));
  expect(fake.searches[0]!.params.facets).toEqual(["status", "priority", "tags", "projectId"]);
  expect(first.facets).toEqual({ status: { todo: 3 }, priority: { high: 2, none: 1 }, tag: { work: 2 }, projectId: {} });
  expect(first.facetsComplete).toBe(true);
  const second = await engine.search(alice, query({ facets: "status", cursor: first.nextCursor! }));
  expect(fake.searches[1]!.params).not.toHaveProperty("facets");
  expect(fake.searches[2]!.params).toEqual({ filter: visibility(), facets: ["status"], limit: 0 });
  expect(second.facets).toEqual({ status: { todo: 3 } });
});

test("every hit carries its highlights, typos included", async () => {
  fake.hits = [{ task: { ...randomTasks(1, alice.userId, seeded(4))[0]!, title: "Pay rent", description: "rnet due" } }];
  const page = await engine.search(alice, query({}));
  expect(page.items[0]!.highlights).toEqual({ title: [[4, 8]], description: [[0, 4]] });
});

const commentChange = (id: string, text: string, version: number, deleted = false): IndexChange => ({
  kind: "comment",
  comment: { id, taskId: "t1", ownerId: alice.userId, text: deleted ? "" : text, createdAt: "2026-11-05T10:00:00.000Z", version, deleted },
});

test("comments live in their task's document as `comments` (tombstones too), kept across task writes, monotonic per comment", async () => {
  // Before its task: a version-0 placeholder, a tombstone any real write replaces.
  await engine.apply([commentChange("c1", "zeppelin tickets", 1)]);
  expect(fake.docs.get("t1")).toEqual({
    id: "t1", version: 0, deleted: true, indexedAt: clock.now().getTime(), ownerId: alice.userId,
    comments: [{ id: "c1", version: 1, deleted: false, text: "zeppelin tickets", createdAt: Date.parse("2026-11-05T10:00:00.000Z") }],
  });
  await engine.apply([{ kind: "upsert", task: task(1, "one") }]);
  expect(fake.docs.get("t1")).toMatchObject({ version: 1, deleted: false, title: "one", parentId: null, blocked: false, comments: [{ id: "c1", text: "zeppelin tickets" }] });
  // On a live document a comment change is a partial update of `comments` alone.
  fake.writes = [];
  await engine.apply([commentChange("c1", "yodel book", 2)]);
  await engine.apply([commentChange("c1", "zeppelin tickets", 1)]); // older: nothing written
  expect(fake.writes).toEqual([{ kind: "update", docs: [{ id: "t1", comments: [expect.objectContaining({ id: "c1", version: 2, text: "yodel book" })] }] }]);
  await engine.apply([{ kind: "upsert", task: task(2, "two") }]);
  expect(fake.docs.get("t1")!.comments).toEqual([expect.objectContaining({ id: "c1", text: "yodel book" })]);
  await engine.apply([commentChange("c1", "", 3, true)]);
  await engine.apply([commentChange("c1", "yodel book", 2)]);
  expect(fake.docs.get("t1")!.comments).toEqual([expect.objectContaining({ id: "c1", version: 3, deleted: true, text: "" })]);
  // A deleted task's comments go with it and do not come back.
  await engine.apply([{ kind: "delete", id: "t1", ownerId: alice.userId, version: 3 }]);
  await engine.apply([commentChange("c2", "walnut", 1)]);
  expect(fake.docs.get("t1")).toEqual({ id: "t1", version: 3, deleted: true, indexedAt: clock.now().getTime(), ownerId: alice.userId });
});

test("the settings search comments' text without typos; subtask and dependency filters", async () => {
  expect(MEILI_SETTINGS.searchableAttributes).toContain("comments.text");
  expect(MEILI_SETTINGS.typoTolerance.disableOnAttributes).toEqual(["comments.text"]);
  expect(MEILI_SETTINGS.filterableAttributes).toEqual(expect.arrayContaining(["parentId", "blocked"]));
  await engine.search(alice, query({ parentId: "00000000-0000-4000-8000-000000000001", blocked: "true" }));
  await engine.search(alice, query({ topLevel: "true", blocked: "false" }));
  expect(fake.searches[0]!.params.filter).toEqual([...visibility(), 'parentId = "00000000-0000-4000-8000-000000000001"', "blocked = true"]);
  expect(fake.searches[1]!.params.filter).toEqual([...visibility(), "(parentId IS NULL OR parentId NOT EXISTS)", "(blocked = false OR blocked NOT EXISTS)"]);
});

test("a hit's live comments that match are highlighted, tombstones never", async () => {
  const t = { ...randomTasks(1, alice.userId, seeded(4))[0]!, title: "Pay", description: "" };
  fake.hits = [{ task: t, comments: [{ id: "c0", version: 2, deleted: true, text: "", createdAt: 1 }, { id: "c1", version: 1, deleted: false, text: "rent is due", createdAt: 2 }] } as never];
  const page = await engine.search(alice, query({}));
  expect(page.items[0]!.highlights).toEqual({ comments: [{ commentId: "c1", text: "rent is due", ranges: [[0, 4]] }] });
});

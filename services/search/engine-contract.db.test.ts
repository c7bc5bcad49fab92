import { randomUUID } from "node:crypto";
import { packAbility } from "../../libs/authz";
import { ManualClock } from "../../libs/clock";
import { listTasksQuery, TaskDto } from "../../libs/contracts";
import { CursorCodec } from "../../libs/task-query";
import { postgresDb } from "../../test/support/db";
import { randomTasks, referenceSort, seeded } from "../../test/support/task-fixtures";
import type { IndexChange, IndexedComment, SearchEngine, SearchQuery } from "./engine";
import { MeiliSearchEngine } from "./meili/meili-engine";
import { PgSearchEngine } from "./pg/pg-engine";

/**
 * What every search engine promises, run against each: Postgres always, Meilisearch when
 * MEILI_URL points at a server.
 */
const clock = new ManualClock(new Date("2026-11-05T12:00:00Z"));
const cursors = new CursorCodec("contract-tests-cursor-secret-0123456789", clock);

interface Harness {
  engine: SearchEngine;
  close(): Promise<void>;
}

function contract(name: string, open: () => Promise<Harness>) {
  describe(`${name} engine contract`, () => {
    let h: Harness;
    const alice = packAbility({ id: randomUUID(), roles: ["member"] });
    const bob = packAbility({ id: randomUUID(), roles: ["member"] });
    const task = (over: Partial<TaskDto>, owner = alice.userId): TaskDto => ({
      ...randomTasks(1, owner, seeded(1))[0]!,
      id: randomUUID(),
      description: "",
      tags: [],
      ...over,
    });
    const search = (params: Record<string, string>, auth = alice) => h.engine.search(auth, listTasksQuery.parse(params) as SearchQuery);
    const ids = async (params: Record<string, string>, auth = alice) => (await search(params, auth)).items.map((t) => t.id);

    const groceries = task({ title: "Buy groceries for the party", status: "todo", priority: "high", dueAt: "2026-11-07T09:00:00Z" });
    const landing = task({ title: "Landing page copy", status: "in_progress", priority: "urgent", dueAt: "2026-11-06T09:00:00Z", tags: ["work"] });
    const report = task({ title: "Quarterly numbers", description: "write the quarterly report", status: "done", priority: "low" });
    const bobsGroceries = task({ title: "Buy groceries", status: "todo" }, bob.userId);

    beforeAll(async () => {
      h = await open();
      await h.engine.apply([groceries, landing, report, bobsGroceries].map((t) => ({ kind: "upsert" as const, task: t })));
    }, 60_000);
    afterAll(() => h?.close());

    test("prefix: 'land' finds 'Landing page'", async () => {
      expect(await ids({ q: "land" })).toEqual([landing.id]);
      expect(await ids({ q: "landing pa" })).toEqual([landing.id]);
    });

    test("typo: 'grocries' finds 'groceries'", async () => {
      expect(await ids({ q: "grocries" })).toEqual([groceries.id]);
    });

    test("a very long token stays out of the vocabulary and does not keep its task out", async () => {
      const blob = task({ title: "Attachment kiwi", description: "x".repeat(2_000) });
      await h.engine.apply([{ kind: "upsert", task: blob }]);
      expect(await ids({ q: "kiwi" })).toEqual([blob.id]);
    });

    test("searches description and tags", async () => {
      expect(await ids({ q: "report" })).toEqual([report.id]);
      expect(await ids({ q: "work" })).toEqual([landing.id]);
    });

    test("another user's matching tasks never appear", async () => {
      expect(await ids({ q: "groceries" })).toEqual([groceries.id]);
      expect(await ids({ q: "groceries" }, bob)).toEqual([bobsGroceries.id]);
    });

    test("q combines with filters", async () => {
      expect(await ids({ q: "groceries", status: "done" })).toEqual([]);
      expect(await ids({ q: "groceries", status: "todo", priority: "high,urgent", dueFrom: "2026-11-07T00:00:00Z" })).toEqual([groceries.id]);
      expect(await ids({ q: "page", tag: "work", overdue: "false" })).toEqual([landing.id]);
    });

    test("an older event never overwrites a newer version; a delete leaves a tombstone", async () => {
      const t = task({ title: "Versioned zebra" });
      await h.engine.apply([{ kind: "upsert", task: { ...t, title: "Versioned zebra two", version: 2 } }]);
      await h.engine.apply([{ kind: "upsert", task: { ...t, title: "Versioned zebra one", version: 1 } }]);
      expect((await search({ q: "zebra" })).items.map((x) => x.title)).toEqual(["Versioned zebra two"]);
      await h.engine.apply([{ kind: "delete", id: t.id, ownerId: t.ownerId, version: 3 }]);
      expect(await ids({ q: "zebra" })).toEqual([]);
      await h.engine.apply([{ kind: "upsert", task: { ...t, title: "Versioned zebra two", version: 2 } }]);
      expect(await ids({ q: "zebra" })).toEqual([]);
      // In one batch too: the newest change of a task wins whatever the order.
      const u = task({ title: "Batched yak" });
      await h.engine.apply([
        { kind: "upsert", task: { ...u, version: 2 } },
        { kind: "delete", id: u.id, ownerId: u.ownerId, version: 3 },
        { kind: "upsert", task: { ...u, version: 1 } },
      ]);
      expect(await ids({ q: "yak" })).toEqual([]);
    });

    test("with a sort, pages walk every match in order without duplicates or gaps", async () => {
      const many = randomTasks(40, alice.userId, seeded(3)).map((t) => ({ ...t, title: `${t.title} ostrich` }));
      await h.engine.apply(many.map((t) => ({ kind: "upsert" as const, task: t })));
      for (const sort of ["dueAt", "-priority,dueAt", "-createdAt", "title"]) {
        const seen: string[] = [];
        let cursor: string | undefined;
        do {
          const page = await search({ q: "ostrich", sort, limit: "7", ...(cursor ? { cursor } : {}) });
          seen.push(...page.items.map((t) => t.id));
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
        const terms = listTasksQuery.parse({ sort }).sort!;
        expect(seen).toEqual(referenceSort(many, terms).map((t) => t.id));
      }
    });

    test("without a sort, by relevance: a title match ranks above a description match, pages cover every match once", async () => {
      await h.engine.apply([
        { kind: "upsert", task: task({ title: "Penguin food", description: "" }) },
        { kind: "upsert", task: task({ title: "Zoo visit", description: "feed the penguin" }) },
      ]);
      const top = await search({ q: "penguin" });
      expect(top.items.map((t) => t.title)).toEqual(["Penguin food", "Zoo visit"]);
      const first = await search({ q: "ostrich", limit: "15" });
      const rest: string[] = [];
      let cursor = first.nextCursor;
      while (cursor) {
        const page = await search({ q: "ostrich", limit: "15", cursor });
        rest.push(...page.items.map((t) => t.id));
        cursor = page.nextCursor;
      }
      const all = [...first.items.map((t) => t.id), ...rest];
      expect(all).toHaveLength(40);
      expect(new Set(all).size).toBe(40);
    });

    test("a cursor answers only the query it came from", async () => {
      const page = await search({ q: "ostrich", sort: "dueAt", limit: "5" });
      await expect(search({ q: "ostrich", sort: "-dueAt", cursor: page.nextCursor! })).rejects.toMatchObject({ type: "VALIDATION" });
      await expect(search({ q: "ostrich", sort: "dueAt", cursor: page.nextCursor! }, bob)).rejects.toMatchObject({ type: "VALIDATION" });
      await expect(search({ q: "ostrich", sort: "dueAt", cursor: "x" + page.nextCursor! })).rejects.toMatchObject({ type: "VALIDATION" });
    });

    test("a prefix matches from the first letter among the caller's words; other tenants' words change nothing", async () => {
      const kickoff = task({ title: "Project kickoff", description: "agenda" });
      await h.engine.apply([{ kind: "upsert", task: kickoff }]);
      const prefixes = ["p", "pr", "pro", "proj", "project k", "a"];
      const before = await Promise.all(prefixes.map((q) => ids({ q, sort: "createdAt", limit: "200" })));
      for (const found of before.slice(0, 5)) expect(found).toContain(kickoff.id);
      // Another tenant writes many frequent words starting with "p" and "pro".
      const crowd = Array.from({ length: 60 }, (_, i) =>
        task({ title: `proa${i} prob${i} proc${i} pa${i} agent${i}`, description: `project${i} promo${i}` }, bob.userId),
      );
      await h.engine.apply(crowd.map((t) => ({ kind: "upsert" as const, task: t })));
      const after = await Promise.all(prefixes.map((q) => ids({ q, sort: "createdAt", limit: "200" })));
      expect(after).toEqual(before);
      expect((await ids({ q: "proa1" }, bob)).length).toBeGreaterThan(0);
    });

    test("every hit carries end-exclusive highlights of title and description", async () => {
      const hit = (await search({ q: "land" })).items.find((t) => t.id === landing.id);
      expect(hit).toMatchObject({ highlights: { title: [[0, 4]] } });
      expect(hit!.highlights).not.toHaveProperty("description");
      const inDescription = (await search({ q: "quarterly rep" })).items.find((t) => t.id === report.id);
      expect(inDescription!.highlights).toEqual({ title: [[0, 9]], description: [[10, 19], [20, 23]] });
      const typo = (await search({ q: "grocries" })).items.find((t) => t.id === groceries.id);
      expect(typo!.highlights.title).toEqual([[4, 13]]);
    });

    test("facets count every visible match for the same filters and q, never another tenant's", async () => {
      const project = randomUUID();
      const carol = packAbility({ id: randomUUID(), roles: ["member"] }, [{ projectId: project, role: "viewer" }]);
      const marmots = [
        task({ title: "Marmot one", status: "todo", priority: "high", tags: ["zoo", "work"] }),
        task({ title: "Marmot two", status: "todo", priority: "low", tags: ["zoo"] }),
        task({ title: "Marmot three", status: "done", priority: "high", tags: [] }),
        task({ title: "Marmot shared", status: "in_progress", priority: "urgent", tags: ["zoo"], projectId: project }, bob.userId),
        task({ title: "Marmot bob", status: "todo", priority: "none", tags: ["secret"] }, bob.userId),
      ];
      await h.engine.apply(marmots.map((t) => ({ kind: "upsert" as const, task: t })));
      const all = "status,priority,tag,projectId";
      const mine = await search({ q: "marm", facets: all, limit: "1" });
      expect(mine.facets).toEqual({ status: { todo: 2, done: 1 }, priority: { high: 2, low: 1 }, tag: { zoo: 2, work: 1 }, projectId: {} });
      expect(mine.facetsComplete).toBe(true);
      // The counts are of every match, not the page; and on a later page too.
      const next = await search({ q: "marm", facets: "status", limit: "1", sort: "dueAt", cursor: (await search({ q: "marm", limit: "1", sort: "dueAt" })).nextCursor! });
      expect(next.facets).toEqual({ status: { todo: 2, done: 1 } });
      expect((await search({ q: "marmot", status: "todo", facets: "priority,tag" })).facets).toEqual({ priority: { high: 1, low: 1 }, tag: { zoo: 2, work: 1 } });
      expect((await search({ q: "marmot", facets: "projectId,tag" }, carol)).facets).toEqual({ projectId: { [project]: 1 }, tag: { zoo: 1 } });
      expect(await search({ q: "marmot" })).not.toHaveProperty("facets");
    });

    test("relevance finds one's own and one's projects' matches, follows a task's move, and never another tenant's", async () => {
      const [shared, other] = [randomUUID(), randomUUID()];
      const dave = packAbility({ id: randomUUID(), roles: ["member"] }, [{ projectId: shared, role: "editor" }]);
      const mine = task({ title: "Walrus mine" }, dave.userId);
      const inShared = task({ title: "Walrus shared", projectId: shared }, bob.userId);
      const bobs = task({ title: "Walrus private" }, bob.userId);
      const elsewhere = task({ title: "Walrus elsewhere", projectId: other }, bob.userId);
      await h.engine.apply([mine, inShared, bobs, elsewhere].map((t) => ({ kind: "upsert" as const, task: t })));
      const found = async (q: string) => (await ids({ q }, dave)).sort();
      expect(await found("walrus")).toEqual([mine.id, inShared.id].sort());
      expect(await found("walr")).toEqual([mine.id, inShared.id].sort());
      await h.engine.apply([
        { kind: "upsert", task: { ...bobs, projectId: shared, version: bobs.version + 1 } },
        { kind: "upsert", task: { ...inShared, projectId: null, version: inShared.version + 1 } },
      ]);
      expect(await found("walrus")).toEqual([mine.id, bobs.id].sort());
      expect(await ids({ q: "walrus" })).toEqual([]);
    });

    test("with a sort, a task inserted between two pages shifts nothing", async () => {
      const pelicans = randomTasks(12, alice.userId, seeded(9)).map((t) => ({ ...t, title: `${t.title} pelican` }));
      await h.engine.apply(pelicans.map((t) => ({ kind: "upsert" as const, task: t })));
      for (const sort of ["dueAt", "-priority,createdAt"]) {
        const order = referenceSort(pelicans, listTasksQuery.parse({ sort }).sort!).map((t) => t.id);
        const first = await search({ q: "pelican", sort, limit: "5" });
        expect(first.items.map((t) => t.id)).toEqual(order.slice(0, 5));
        // A task that sorts before everything on the first page arrives.
        const early = { ...pelicans[0]!, id: randomUUID(), dueAt: "2000-01-01T00:00:00.000Z", priority: "urgent" as const, createdAt: "2000-01-01T00:00:00.000Z" };
        await h.engine.apply([{ kind: "upsert", task: early }]);
        const second = await search({ q: "pelican", sort, limit: "5", cursor: first.nextCursor! });
        expect(second.items.map((t) => t.id)).toEqual(order.slice(5, 10));
        await h.engine.apply([{ kind: "delete", id: early.id, ownerId: early.ownerId, version: early.version + 1 }]);
      }
    });

    test("old tombstones are purged, recent ones kept", async () => {
      const t = task({ title: "Purged quokka" });
      await h.engine.apply([{ kind: "delete", id: t.id, ownerId: t.ownerId, version: 2 }]);
      expect(await h.engine.purgeTombstones(new Date(clock.now().getTime() - 60_000))).toBe(0);
      await h.engine.apply([{ kind: "upsert", task: { ...t, version: 1 } }]);
      expect(await ids({ q: "quokka" })).toEqual([]);
      expect(await h.engine.purgeTombstones(new Date(clock.now().getTime() + 60_000))).toBeGreaterThanOrEqual(1);
    });

    test("a rebuild refreshes what it sees and sweeps the rest", async () => {
      const kept = task({ title: "Refreshed walrus" });
      const gone = task({ title: "Forgotten walrus" });
      await h.engine.apply([kept, gone].map((t) => ({ kind: "upsert" as const, task: t })));
      // Engines stamp writes with the injected clock: moving it orders them, no sleeping.
      clock.advance(1_000);
      const startedAt = clock.now();
      clock.advance(1_000);
      await h.engine.apply([{ kind: "upsert", task: kept }], { refresh: true });
      await h.engine.sweep(startedAt);
      expect(await ids({ q: "walrus" })).toEqual([kept.id]);
    });

    test("a rebuild refreshes comments it sees; on Postgres it sweeps the rest", async () => {
      const t = task({ title: "Rebuilt otter" });
      const keptComment: IndexChange = { kind: "comment", comment: { id: randomUUID(), taskId: t.id, ownerId: t.ownerId, text: "kept pebble", createdAt: clock.now().toISOString(), version: 1, deleted: false } };
      const goneComment: IndexChange = { kind: "comment", comment: { id: randomUUID(), taskId: t.id, ownerId: t.ownerId, text: "lost pinecone", createdAt: clock.now().toISOString(), version: 1, deleted: false } };
      await h.engine.apply([{ kind: "upsert", task: t }, keptComment, goneComment]);
      expect(await ids({ q: "pinecone" })).toEqual([t.id]);
      clock.advance(1_000);
      const startedAt = clock.now();
      clock.advance(1_000);
      await h.engine.apply([{ kind: "upsert", task: t }], { refresh: true });
      await h.engine.apply([keptComment], { refresh: true });
      await h.engine.sweep(startedAt);
      expect(await ids({ q: "pebble" })).toEqual([t.id]);
      if (h.engine.name === "postgres") expect(await ids({ q: "pinecone" })).toEqual([]);
    });

    describe("comments", () => {
      const comment = (t: TaskDto, text: string, version = 1, over: Partial<IndexedComment> = {}): IndexChange => ({
        kind: "comment",
        comment: { id: randomUUID(), taskId: t.id, ownerId: t.ownerId, text, createdAt: clock.now().toISOString(), version, deleted: false, ...over },
      });
      const deleted = (c: IndexChange, version: number): IndexChange => (c.kind === "comment" ? { kind: "comment", comment: { ...c.comment, text: "", version, deleted: true } } : c);

      test("a task is found by its comments' words, from the first letter, by its readers only, with the comment highlighted", async () => {
        const t = task({ title: "Plain errand" });
        const c = comment(t, "Remember the zeppelin tickets");
        await h.engine.apply([{ kind: "upsert", task: t }, c]);
        for (const q of ["zeppelin", "zep", "z", "errand zeppe"]) expect([q, await ids({ q })]).toEqual([q, [t.id]]);
        expect(await ids({ q: "zeppelin" }, bob)).toEqual([]);
        const [hit] = (await search({ q: "zep" })).items;
        const id = c.kind === "comment" ? c.comment.id : "";
        expect(hit!.highlights.comments).toEqual([{ commentId: id, text: "Remember the zeppelin tickets", ranges: [[13, 16]] }]);
        expect(hit!.highlights.title).toBeUndefined();
        // Title and description rank above comments.
        const titled = task({ title: "Zeppelin museum" });
        await h.engine.apply([{ kind: "upsert", task: titled }]);
        expect(await ids({ q: "zeppelin" })).toEqual([titled.id, t.id]);
      });

      test("a comment before its task, edits and deletes in any order: the newest version wins, a delete takes its words", async () => {
        const t = task({ title: "Quiet errand" });
        const c = comment(t, "bring the xylophone", 1);
        // The comment's event outruns the task's.
        await h.engine.apply([c]);
        expect(await ids({ q: "xylophone" })).toEqual([]);
        await h.engine.apply([{ kind: "upsert", task: t }]);
        expect(await ids({ q: "xylophone" })).toEqual([t.id]);
        // A later version of the task keeps its comments.
        await h.engine.apply([{ kind: "upsert", task: { ...t, title: "Quiet errand, renamed", version: t.version + 1 } }]);
        expect(await ids({ q: "xylo" })).toEqual([t.id]);
        const edited = c.kind === "comment" ? ({ kind: "comment", comment: { ...c.comment, text: "bring the yodel book", version: 2 } } as IndexChange) : c;
        await h.engine.apply([edited]);
        await h.engine.apply([c]); // redelivered, older
        expect(await ids({ q: "xylophone" })).toEqual([]);
        expect(await ids({ q: "yodel" })).toEqual([t.id]);
        await h.engine.apply([deleted(c, 3)]);
        await h.engine.apply([edited]); // late, older than the delete
        expect(await ids({ q: "yodel" })).toEqual([]);
        expect((await search({ q: "quiet" })).items[0]!.highlights.comments).toBeUndefined();
      });

      test("a deleted task's comments find nothing", async () => {
        const t = task({ title: "Gone errand" });
        await h.engine.apply([{ kind: "upsert", task: t }, comment(t, "walnut cake")]);
        expect(await ids({ q: "walnut" })).toEqual([t.id]);
        await h.engine.apply([{ kind: "delete", id: t.id, ownerId: t.ownerId, version: t.version + 1 }]);
        await h.engine.apply([comment(t, "another walnut")]);
        expect(await ids({ q: "walnut" })).toEqual([]);
      });

      test("a long comment is highlighted by an excerpt around its first match", async () => {
        const t = task({ title: "Long thread" });
        const text = `${"lorem ipsum ".repeat(30)}the quokka arrived ${"dolor sit ".repeat(30)}`;
        await h.engine.apply([{ kind: "upsert", task: t }, comment(t, text)]);
        const [hit] = (await search({ q: "quokka arr" })).items;
        const [c] = hit!.highlights.comments!;
        expect(c!.text.length).toBeLessThanOrEqual(200);
        expect(c!.ranges.map(([a, b]) => c!.text.slice(a, b))).toEqual(["quokka", "arr"]);
      });
    });

    test("parentId, topLevel and blocked combine with q", async () => {
      const parent = task({ title: "Parent marmot" });
      const child = task({ title: "Child marmot", parentId: parent.id, blocked: true });
      const other = task({ title: "Other marmot", parentId: randomUUID(), blocked: false });
      await h.engine.apply([parent, child, other].map((t) => ({ kind: "upsert" as const, task: t })));
      expect(await ids({ q: "marmot", parentId: parent.id })).toEqual([child.id]);
      expect(await ids({ q: "marmot", topLevel: "true" })).toEqual([parent.id]);
      expect((await ids({ q: "marmot", blocked: "false", sort: "title" }))).toEqual([other.id, parent.id]);
      expect(await ids({ q: "marmot", blocked: "true", parentId: parent.id, sort: "-dueAt" })).toEqual([child.id]);
    });
  });
}

contract("Postgres", async () => {
  const pg = await postgresDb(2);
  const engine = new PgSearchEngine(pg.db, cursors, clock);
  await engine.prepare();
  return { engine, close: pg.close };
});

const meiliUrl = process.env.MEILI_URL;
if (meiliUrl) {
  contract("Meilisearch", async () => {
    const engine = new MeiliSearchEngine(
      { url: meiliUrl, masterKey: process.env.MEILI_MASTER_KEY, indexUid: `contract_${randomUUID().slice(0, 8)}` },
      cursors,
      clock,
    );
    await engine.prepare();
    return { engine, close: async () => undefined };
  });
} else {
  test.skip("Meilisearch contract tests skipped: set MEILI_URL", () => undefined);
}

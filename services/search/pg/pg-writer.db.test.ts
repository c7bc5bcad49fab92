import { randomUUID } from "node:crypto";
import type { TaskDto } from "../../../libs/contracts";
import type { Db } from "../../../libs/db";
import { postgresDb } from "../../../test/support/db";
import { randomTasks, seeded } from "../../../test/support/task-fixtures";
import type { IndexChange } from "../engine";
import { DOCS, migrations, SCOPE_WORDS, SEARCH_SCHEMA } from "../migrations";
import { applyChanges, sweepStale } from "./pg-writer";

/**
 * The per-scope vocabulary follows the documents: a word is counted once per live document
 * of its scope and leaves with the last one. (PGlite cannot load pg_trgm under jest: the
 * embedded engine runs these statements in the e2e-embedded search suite.)
 */
const schema = { schema: SEARCH_SCHEMA, migrations };
const owner = randomUUID();
const project = randomUUID();
const now = new Date("2026-11-05T12:00:00Z");
const task = (over: Partial<TaskDto>): TaskDto => ({ ...randomTasks(1, owner, seeded(1))[0]!, id: randomUUID(), description: "", tags: [], ...over });

describe("the per-scope vocabulary", () => {
  let db: Db;
  let close: () => Promise<void>;
  beforeAll(async () => ({ db, close } = await postgresDb(2, schema)), 60_000);
  afterAll(() => close?.());

  const vocabulary = async () => {
    const rows: { scope: string; word: string; docs: number }[] = await db(SCOPE_WORDS).select("scope", "word", "docs").orderBy(["scope", "word"]);
    return Object.fromEntries(rows.map((r) => [`${r.scope === owner ? "me" : r.scope === project ? "project" : r.scope}:${r.word}`, r.docs]));
  };

  test("counts per scope; an update moves words, a move changes scope, an older version and a delete behave", async () => {
    const a = task({ title: "Kiwi plan", tags: ["fruit"], version: 1 });
    const b = task({ title: "Kiwi", version: 1 });
    await applyChanges(db, [{ kind: "upsert", task: a }, { kind: "upsert", task: b }], now);
    expect(await vocabulary()).toEqual({ "me:fruit": 1, "me:kiwi": 2, "me:plan": 1 });
    await applyChanges(db, [{ kind: "upsert", task: { ...a, title: "Mango plan", version: 2 } }], now);
    await applyChanges(db, [{ kind: "upsert", task: { ...a, title: "Stale", version: 1 } }], now);
    expect(await vocabulary()).toEqual({ "me:fruit": 1, "me:kiwi": 1, "me:mango": 1, "me:plan": 1 });
    await applyChanges(db, [{ kind: "upsert", task: { ...b, projectId: project, version: 2 } }], now);
    expect(await vocabulary()).toEqual({ "me:fruit": 1, "me:mango": 1, "me:plan": 1, "project:kiwi": 1 });
    await applyChanges(db, [{ kind: "delete", id: a.id, ownerId: owner, version: 3 }, { kind: "delete", id: b.id, ownerId: owner, version: 3 }], now);
    expect(await vocabulary()).toEqual({});
  });

  test("a rebuild's sweep takes the words of what it removes", async () => {
    const c = task({ title: "Papaya", version: 1 });
    await applyChanges(db, [{ kind: "upsert", task: c }], now);
    expect(await sweepStale(db, new Date(now.getTime() + 1), now)).toBe(1);
    expect(await vocabulary()).toEqual({});
  });

  test("comment words count in their task's scope, follow it when it moves, and leave with the comment", async () => {
    const t = task({ title: "Tent", version: 1 });
    const comment = (text: string, version: number, deleted = false): IndexChange => ({
      kind: "comment",
      comment: { id: "6a0e2b1c-3d4f-4a5b-8c6d-7e8f9a0b1c2d", taskId: t.id, ownerId: owner, text, createdAt: now.toISOString(), version, deleted },
    });
    await applyChanges(db, [{ kind: "upsert", task: t }, comment("tent pegs", 1)], now);
    expect(await vocabulary()).toEqual({ "me:pegs": 1, "me:tent": 1 });
    const [doc] = await db(DOCS).where({ id: t.id }).select("comments");
    expect(doc.comments).toEqual([{ id: "6a0e2b1c-3d4f-4a5b-8c6d-7e8f9a0b1c2d", text: "tent pegs" }]);
    await applyChanges(db, [{ kind: "upsert", task: { ...t, projectId: project, version: 2 } }], now);
    expect(await vocabulary()).toEqual({ "project:pegs": 1, "project:tent": 1 });
    await applyChanges(db, [comment("", 2, true)], now);
    await applyChanges(db, [comment("tent pegs", 1)], now);
    expect(await vocabulary()).toEqual({ "project:tent": 1 });
    expect((await db(DOCS).where({ id: t.id }).first()).comments).toBeNull();
    await applyChanges(db, [{ kind: "delete", id: t.id, ownerId: owner, version: 3 }], now);
    expect(await vocabulary()).toEqual({});
  });
});

import { packAbility } from "../../../libs/authz";
import { listTasksQuery } from "../../../libs/contracts";
import type { SearchQuery } from "../engine";
import { MEILI_SETTINGS, toMeiliDoc } from "./meili-documents";
import { idKey, keysetFilter, keysetPageable, meiliFilter, meiliSort } from "./meili-query";

const auth = packAbility({ id: "6a1f0c9e-0000-4000-8000-000000000001", roles: ["member"] });
const parse = (params: Record<string, string>) => listTasksQuery.parse({ q: "x", ...params }) as SearchQuery;

test("the filter carries visibility, liveness and every list filter", () => {
  const now = new Date("2026-11-05T12:00:00Z");
  const filter = meiliFilter(
    auth,
    parse({ status: "todo,done", priority: "high", tag: 'work,say "hi"', dueFrom: "2026-11-01T00:00:00Z", dueTo: "2026-11-02T00:00:00+01:00", overdue: "true" }),
    now,
  );
  expect(filter).toEqual([
    "deleted = false",
    `(ownerId = "${auth.userId}" AND projectId IS NULL)`,
    'status IN ["todo"]',
    "priority IN [3]",
    'tags IN ["work", "say \\"hi\\""]',
    `dueAt >= ${Date.parse("2026-11-01T00:00:00Z")}`,
    `dueAt < ${Date.parse("2026-11-01T23:00:00Z")}`,
    `dueAt < ${now.getTime()}`,
  ]);
});

test("sort keys map to attributes with id as the tie-break; none means relevance", () => {
  expect(meiliSort(parse({ sort: "-priority,dueAt" }).sort)).toEqual(["priority:desc", "dueAt:asc", "idKey:asc"]);
  expect(meiliSort(undefined)).toBeUndefined();
});

test("an undated task has no dueAt (sorted last either way); a delete is a tombstone", () => {
  const task = {
    id: "t1", title: "T", description: "", status: "todo" as const, priority: "low" as const, dueAt: null, startAt: null, completedAt: null,
    tags: [], recurrence: null, reminders: [], projectId: null, assigneeId: null, ownerId: auth.userId, createdAt: "2026-11-01T00:00:00.000Z", updatedAt: "2026-11-01T00:00:00.000Z", version: 2,
  };
  const doc = toMeiliDoc({ kind: "upsert", task }, 5);
  expect(doc).not.toHaveProperty("dueAt");
  expect(doc).toMatchObject({ id: "t1", version: 2, deleted: false, priority: 1, indexedAt: 5, task });
  expect(toMeiliDoc({ kind: "delete", id: "t1", ownerId: auth.userId, version: 3 }, 6)).toEqual({
    id: "t1", version: 3, deleted: true, indexedAt: 6, ownerId: auth.userId,
  });
});

test("with a sort, the sort decides the order before relevance does", () => {
  expect(MEILI_SETTINGS.rankingRules[0]).toBe("sort");
  expect(MEILI_SETTINGS.sortableAttributes).toEqual(expect.arrayContaining(["dueAt", "priority", "createdAt", "updatedAt", "title", "id"]));
});

test("idKey keeps the order of ids and is exact in a double", () => {
  const ids = ["00000000-0000-4000-8000-000000000000", "0fffffff-ffff-4000-8000-000000000000", "ffffffff-ffff-4fff-8000-000000000000"];
  const keys = ids.map(idKey);
  expect([...keys].sort((a, b) => a - b)).toEqual(keys);
  for (const k of keys) expect(Number.isSafeInteger(k)).toBe(true);
});

test("keyset filters: undated tasks come last in both directions; title and relevance page by offset", () => {
  const asc = parse({ sort: "dueAt" }).sort!;
  expect(keysetFilter(asc, [1000, 7])).toBe("((dueAt > 1000 OR dueAt NOT EXISTS) OR (dueAt = 1000 AND idKey > 7))");
  expect(keysetFilter(asc, [null, 7])).toBe("((dueAt NOT EXISTS AND idKey > 7))");
  const desc = parse({ sort: "-dueAt" }).sort!;
  expect(keysetFilter(desc, [1000, 7])).toBe("((dueAt < 1000 OR dueAt NOT EXISTS) OR (dueAt = 1000 AND idKey < 7))");
  expect(() => keysetFilter(desc, ["x", 7])).toThrow();
  expect(keysetPageable(parse({ sort: "-priority,createdAt,updatedAt" }).sort)).toBe(true);
  expect(keysetPageable(parse({ sort: "title" }).sort)).toBe(false);
  expect(keysetPageable(undefined)).toBe(false);
});

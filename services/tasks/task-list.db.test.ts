import { randomUUID } from "node:crypto";
import type { RawRuleOf } from "@casl/ability";
import { packRules } from "@casl/ability/extra";
import { AppAbility, abilityFromMeta, packAbility, rulesToSql } from "../../libs/authz";
import { ManualClock } from "../../libs/clock";
import { AuthMeta, ListTasksQuery, listTasksQuery, PRIORITIES, TaskDto } from "../../libs/contracts";
import type { Db } from "../../libs/db";
import { buildListSql, CursorCodec, CursorValue, sortValues } from "../../libs/task-query";
import { postgresDb } from "../../test/support/db";
import { randomTasks, referenceSort, seeded } from "../../test/support/task-fixtures";
import { migrations, TASKS_SCHEMA } from "./migrations";
import { TaskLister } from "./task-list";

const clock = new ManualClock(new Date("2026-11-05T12:00:00Z"));
const alice = packAbility({ id: randomUUID(), roles: ["member"] });
const bob = packAbility({ id: randomUUID(), roles: ["member"] });
let db: Db;
let close: () => Promise<void>;
let lister: TaskLister;
let tasks: TaskDto[];

const toRow = (t: TaskDto) => ({
  id: t.id,
  owner_id: t.ownerId,
  project_id: t.projectId,
  title: t.title,
  description: t.description,
  status: t.status,
  priority: PRIORITIES.indexOf(t.priority),
  due_at: t.dueAt,
  start_at: null,
  completed_at: null,
  tags: t.tags,
  created_at: t.createdAt,
  updated_at: t.updatedAt,
  version: 1,
});

beforeAll(async () => {
  ({ db, close } = await postgresDb(2, { schema: TASKS_SCHEMA, migrations }));
  const rand = seeded(7);
  tasks = randomTasks(240, alice.userId, rand);
  await db(`${TASKS_SCHEMA}.tasks`).insert([...tasks, ...randomTasks(60, bob.userId, rand)].map(toRow));
  lister = new TaskLister(db, new CursorCodec("x".repeat(32), clock), clock);
}, 30_000);
afterAll(() => close?.());

const parse = (params: Record<string, string>) => listTasksQuery.parse(params) as ListTasksQuery;

async function walk(params: Record<string, string>, auth: AuthMeta = alice): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 100; pages++) {
    const page = await lister.list(auth, parse({ ...params, limit: "7", ...(cursor ? { cursor } : {}) }));
    ids.push(...page.items.map((t) => t.id));
    if (!page.nextCursor) return ids;
    cursor = page.nextCursor;
  }
  throw new Error("too many pages");
}

function expected(filter: (t: TaskDto) => boolean, sort: string): string[] {
  const terms = parse({ sort }).sort!;
  return referenceSort(tasks.filter(filter), terms).map((t) => t.id);
}

const now = () => clock.now().getTime();
const SORTS = ["createdAt", "-createdAt", "dueAt", "-dueAt", "-priority,dueAt", "priority,-dueAt", "priority", "-priority", "updatedAt,-title", "title,dueAt", "-dueAt,priority,-updatedAt"];

describe("every sort walks the whole list page by page in the API's order", () => {
  test.each(SORTS)("sort=%s", async (sort) => {
    expect(await walk({ sort })).toEqual(expected(() => true, sort));
  });
});

describe("filters combine with AND, a comma list is OR", () => {
  const cases: [string, Record<string, string>, (t: TaskDto) => boolean][] = [
    ["status list", { status: "todo,in_progress" }, (t) => t.status !== "done"],
    ["priority list", { priority: "high,urgent" }, (t) => t.priority === "high" || t.priority === "urgent"],
    ["tag list", { tag: "work,Home" }, (t) => t.tags.includes("work") || t.tags.includes("home")],
    [
      "due range, from inclusive and to exclusive",
      { dueFrom: "2026-11-03T00:00:00Z", dueTo: "2026-11-06T00:00:00+00:00" },
      (t) => t.dueAt !== null && Date.parse(t.dueAt) >= Date.parse("2026-11-03T00:00:00Z") && Date.parse(t.dueAt) < Date.parse("2026-11-06T00:00:00Z"),
    ],
    ["overdue", { overdue: "true" }, (t) => t.dueAt !== null && Date.parse(t.dueAt) < now() && t.status !== "done"],
    [
      "all together",
      { status: "todo,done", priority: "none,low,urgent", tag: "bills,garden", overdue: "true" },
      (t) =>
        t.status === "todo" &&
        ["none", "low", "urgent"].includes(t.priority) &&
        (t.tags.includes("bills") || t.tags.includes("garden")) &&
        t.dueAt !== null &&
        Date.parse(t.dueAt) < now(),
    ],
    ["a project nobody has", { projectId: randomUUID() }, () => false],
  ];
  test.each(cases)("%s", async (_name, params, filter) => {
    for (const sort of ["dueAt", "-dueAt", "-priority,dueAt"]) {
      expect(await walk({ ...params, sort })).toEqual(expected(filter, sort));
    }
  });
});

describe("cursors", () => {
  test("belong to one user, one query, and are signed", async () => {
    const first = await lister.list(alice, parse({ sort: "dueAt", limit: "5" }));
    const cursor = first.nextCursor!;
    await expect(lister.list(bob, parse({ sort: "dueAt", cursor }))).rejects.toMatchObject({ type: "VALIDATION" });
    await expect(lister.list(alice, parse({ sort: "-dueAt", cursor }))).rejects.toMatchObject({ type: "VALIDATION" });
    await expect(lister.list(alice, parse({ sort: "dueAt", status: "todo", cursor }))).rejects.toMatchObject({ type: "VALIDATION" });
    const [body, sig] = cursor.split(".");
    const payload = JSON.parse(Buffer.from(body!, "base64url").toString());
    payload.u = bob.userId;
    const forged = `${Buffer.from(JSON.stringify(payload)).toString("base64url")}.${sig}`;
    await expect(lister.list(bob, parse({ sort: "dueAt", cursor: forged }))).rejects.toMatchObject({ type: "VALIDATION" });
    // The same limit is not required: a client may change the page size.
    expect((await lister.list(alice, parse({ sort: "dueAt", cursor, limit: "3" }))).items).toHaveLength(3);
  });

  test("expire after a day", async () => {
    const first = await lister.list(alice, parse({ limit: "5" }));
    clock.advance(25 * 3600_000);
    await expect(lister.list(alice, parse({ cursor: first.nextCursor! }))).rejects.toMatchObject({ type: "VALIDATION" });
    clock.advance(-25 * 3600_000);
  });

  test("another user's tasks never appear", async () => {
    const ids = await walk({ sort: "title" }, bob);
    expect(ids).toHaveLength(60);
    expect(ids.filter((id) => tasks.some((t) => t.id === id))).toEqual([]);
  });
});

describe("the single-query form (for selective conditions) pages in the same order", () => {
  test.each(["dueAt", "-dueAt", "-priority,dueAt", "-dueAt,priority,-updatedAt", "title"])("sort=%s", async (sortParam) => {
    const query = parse({ sort: sortParam, status: "todo,in_progress" });
    const ability = abilityFromMeta(alice);
    const ids: string[] = [];
    let after: CursorValue[] | undefined;
    for (;;) {
      const rows = await buildListSql(db, {
        table: `${TASKS_SCHEMA}.tasks`,
        select: ["*"],
        scopes: [(qb) => rulesToSql(qb, ability, "read", "Task", { id: "id", ownerId: "owner_id", projectId: "project_id" })],
        query,
        sort: query.sort!,
        after,
        fetch: 8,
        now: clock.now(),
        single: true,
      });
      ids.push(...rows.slice(0, 7).map((r: { id: string }) => r.id));
      if (rows.length <= 7) break;
      after = sortValues(rows[6], query.sort!);
    }
    expect(ids).toEqual(expected((t) => t.status !== "done", sortParam));
  });
});

describe("visibility with alternatives (own tasks, or a project's)", () => {
  test("each alternative is read through its own segments, and a task in both appears once", async () => {
    const project = randomUUID();
    const dave = randomUUID();
    const rand = seeded(11);
    const daves = randomTasks(20, dave, rand).map((t, i) => ({ ...t, projectId: i % 2 ? project : null }));
    const carols = randomTasks(30, randomUUID(), rand).map((t, i) => ({ ...t, projectId: i % 2 ? project : null }));
    await db(`${TASKS_SCHEMA}.tasks`).insert([...daves, ...carols].map(toRow));
    const auth = {
      userId: dave,
      roles: ["member" as const],
      rules: packRules<RawRuleOf<AppAbility>>([
        { action: "read", subject: "Task", conditions: { ownerId: dave } },
        { action: "read", subject: "Task", conditions: { projectId: { $in: [project] } } },
      ]),
    };
    const visible = [...daves, ...carols.filter((t) => t.projectId === project)];
    for (const sort of ["dueAt", "-dueAt", "-priority,dueAt"]) {
      const terms = parse({ sort }).sort!;
      expect(await walk({ sort }, auth)).toEqual(referenceSort(visible, terms).map((t) => t.id));
    }
  });
});

import { packAbility } from "../../libs/authz";
import { ListTasksQuery, listTasksQuery } from "../../libs/contracts";
import type { Db } from "../../libs/db";
import { sortValues } from "../../libs/task-query";
import { postgresDb } from "../../test/support/db";
import { analyze, analyzeGeneric, describeScans, PlanNode, rowsRead, scansOf } from "../../test/support/plans";
import { migrations, TASKS_SCHEMA } from "./migrations";
import { listTasksSql, planIsValueFree } from "./task-list";
import type { TaskRow } from "./task-row";

/**
 * The heavy user is the real test (PERFORMANCE.md): one owner of 30,000 tasks among 10,000
 * others'. Every list shape users send must read about a page per segment, through an
 * index, on the first page and deep into the list alike.
 */
const HEAVY = "00000000-0000-4000-8000-00000000beef";
const HEAVY_TASKS = 30_000;
const OTHER_TASKS = 10_000;
const NOW = new Date("2026-02-01T00:00:00Z");

let db: Db;
let close: () => Promise<void>;
let middle: TaskRow;
let parentId: string;
const auth = packAbility({ id: HEAVY, roles: ["member"] });
const PROJECT = "00000000-0000-4000-8000-0000000000aa";
const MEMBER = "00000000-0000-4000-8000-00000000cafe";
const member = packAbility({ id: MEMBER, roles: ["member"] }, [{ projectId: PROJECT, role: "viewer" }]);

beforeAll(async () => {
  ({ db, close } = await postgresDb(2, { schema: TASKS_SCHEMA, migrations }));
  await db.raw(
    `insert into ${TASKS_SCHEMA}.tasks (id, owner_id, title, description, status, priority, due_at, tags, created_at, updated_at, version)
     select gen_random_uuid(),
            case when g <= ? then ?::uuid else ('00000000-0000-4000-8000-' || lpad((g % 200)::text, 12, '0'))::uuid end,
            'Task ' || md5(g::text), '',
            (array['todo','in_progress','done'])[1 + g % 3], (g / 3) % 5,
            case when g % 4 = 0 then null else '2026-01-01'::timestamptz + (g % 1000) * interval '1 hour' end,
            case when g % 3 = 0 then array['work'] when g % 7 = 0 then array['rare', 'home'] else array['home'] end,
            '2026-01-01'::timestamptz + g * interval '1 second', '2026-01-01'::timestamptz + (g * 7 % 5000) * interval '1 minute', 1
     from generate_series(1, ?) g`,
    [HEAVY_TASKS, HEAVY, HEAVY_TASKS + OTHER_TASKS],
  );
  // A shared project as big as the heavy user's own list, owned by many people.
  await db.raw(
    `insert into ${TASKS_SCHEMA}.tasks (id, owner_id, project_id, title, description, status, priority, due_at, tags, created_at, updated_at, version)
     select gen_random_uuid(), ('00000000-0000-4000-8000-' || lpad((g % 50)::text, 12, '0'))::uuid, ?::uuid,
            'Shared ' || md5(g::text), '', (array['todo','in_progress','done'])[1 + g % 3], (g / 3) % 5,
            case when g % 4 = 0 then null else '2026-01-01'::timestamptz + (g % 1000) * interval '1 hour' end,
            case when g % 3 = 0 then array['work'] when g % 7 = 0 then array['rare', 'home'] else array['home'] end,
            '2026-01-01'::timestamptz + g * interval '1 second', '2026-01-01'::timestamptz + (g * 7 % 5000) * interval '1 minute', 1
     from generate_series(1, ?) g`,
    [PROJECT, HEAVY_TASKS],
  );
  // A quarter of the heavy user's tasks are subtasks, spread over 200 parents (issue 17).
  await db.raw(
    `with parents as (select id, row_number() over (order by created_at) - 1 as n from ${TASKS_SCHEMA}.tasks where owner_id = ? order by created_at limit 200),
          kids as (select id, row_number() over (order by created_at) as n from ${TASKS_SCHEMA}.tasks where owner_id = ? and id not in (select id from parents))
     update ${TASKS_SCHEMA}.tasks t set parent_id = p.id, position = k.n / 200
       from kids k join parents p on p.n = k.n % 200 where t.id = k.id and k.n % 4 = 0`,
    [HEAVY, HEAVY],
  );
  // Some of them wait for others (every 50th task, blocked by its predecessor).
  await db.raw(
    `update ${TASKS_SCHEMA}.tasks t set blocked_by = array[p.prev], blocked = true
       from (select id, lag(id) over (order by created_at) as prev, row_number() over (order by created_at) as n from ${TASKS_SCHEMA}.tasks where owner_id = ?) p
      where t.id = p.id and p.n % 50 = 0 and p.prev is not null`,
    [HEAVY],
  );
  parentId = (await db(`${TASKS_SCHEMA}.tasks`).where({ owner_id: HEAVY }).orderBy("created_at").first()).id;
  await db.raw(`analyze ${TASKS_SCHEMA}.tasks`);
  middle = await db(`${TASKS_SCHEMA}.tasks`).where({ owner_id: HEAVY }).orderBy("created_at").offset(HEAVY_TASKS / 2).first();
}, 60_000);
afterAll(() => close?.());

/** A shape as the route reads it; "the first parent" becomes that task's id (a stand-in before it exists). */
const parse = (params: Record<string, string>, parent = parentId ?? HEAVY) =>
  listTasksQuery.parse({ limit: "50", ...params, ...(params.parentId ? { parentId: parent } : {}) }) as ListTasksQuery;

async function plan(params: Record<string, string>, deep: boolean, caller = auth, generic = false): Promise<PlanNode[]> {
  const query = parse(params);
  const after = deep ? sortValues(middle, query.sort ?? [{ key: "createdAt", desc: false }]) : undefined;
  return (generic ? analyzeGeneric : analyze)(db, listTasksSql(db, caller, query, NOW, after));
}

const SHAPES: Record<string, string>[] = [
  {},
  { sort: "-createdAt" },
  { status: "todo,in_progress", sort: "dueAt" },
  { status: "todo", sort: "-dueAt" },
  { sort: "-priority,dueAt" },
  { status: "todo,in_progress", sort: "-priority,dueAt", priority: "high,urgent" },
  { priority: "urgent" },
  { priority: "low,none", sort: "dueAt" },
  { status: "done", priority: "urgent", sort: "-updatedAt" },
  { sort: "priority" },
  { sort: "-priority" },
  { sort: "-updatedAt" },
  { sort: "title" },
  { status: "todo", tag: "work", sort: "dueAt" },
  { sort: "dueAt", dueFrom: "2026-01-10T00:00:00Z", dueTo: "2026-01-20T00:00:00Z" },
  { overdue: "true", sort: "dueAt" },
  { topLevel: "true" },
  { topLevel: "true", status: "todo", sort: "dueAt" },
  { parentId: "the first parent", sort: "position" },
  { parentId: "the first parent", sort: "-priority,dueAt" },
  { blocked: "true" },
  { blocked: "true", sort: "dueAt" },
  { blocked: "false", sort: "dueAt" },
];

/** A page of 50 (+1) from each of at most six segments, and what a filter skips on the way, through indexes. */
function expectAPagePerSegment(nodes: PlanNode[], label: unknown[]): void {
  const scans = scansOf(nodes, "tasks", "tasks_");
  expect(scans.length).toBeGreaterThan(0);
  for (const scan of scans) expect(scan["Node Type"]).not.toBe("Seq Scan");
  if (process.env.SHOW_PLANS) console.log(JSON.stringify(label), rowsRead(scans), describeScans(scans));
  expect(rowsRead(scans)).toBeLessThanOrEqual(1_500);
}

describe("list plans for a 30,000-task user", () => {
  test.each(SHAPES.flatMap((shape) => [[shape, false] as const, [shape, true] as const]))("%j deep=%s reads a page per segment through indexes", async (params, deep) => {
    expectAPagePerSegment(await plan(params, deep), [params, deep]);
  });
});

describe("segments are merged as they are read", () => {
  // Each segment comes in the page's order, so Postgres reads about one page in all (plus the next
  // row of each segment, and on a deep page in a mixed order the rows its cursor skips), not a page
  // from every segment to sort them (102 or 153 rows: a due order once did that).
  const merged: Record<string, string>[] = [{}, { sort: "dueAt" }, { sort: "-priority,dueAt" }, { status: "todo,in_progress", sort: "dueAt" }, { sort: "title" }];
  const cases = merged.flatMap((shape) => [false, true].flatMap((deep) => [false, true].flatMap((generic) => [[shape, deep, generic, "owner"] as const, [shape, deep, generic, "member"] as const])));
  test.each(cases)("%j deep=%s generic=%s (%s)", async (params, deep, generic, who) => {
    const scans = scansOf(await plan(params, deep, who === "owner" ? auth : member, generic), "tasks", "tasks_");
    // The member has two alternatives of visibility (their own tasks, the project's): a segment each per status.
    expect(scans.length).toBe((parse(params).status?.length ?? 3) * (who === "owner" ? 1 : 2));
    expect(rowsRead(scans)).toBeLessThanOrEqual(75);
  });
});

describe("list plans for a member of a 30,000-task project", () => {
  test.each(SHAPES.flatMap((shape) => [[shape, false] as const, [shape, true] as const]))("%j deep=%s reads a page per segment through indexes", async (params, deep) => {
    expectAPagePerSegment(await plan(params, deep, member), [params, deep, "member"]);
  });
});

describe("generic plans of the list shapes that run prepared (libs/db/prepared.ts)", () => {
  const prepared = SHAPES.filter((shape) => planIsValueFree(parse(shape)));
  const cases = prepared.flatMap((shape) => [false, true].flatMap((deep) => [[shape, deep, "owner"] as const, [shape, deep, "member"] as const]));
  test("filters whose selectivity depends on their value stay unprepared", () => {
    const inText = ["sort", "status", "topLevel", "priority"];
    expect(prepared.flatMap((shape) => Object.keys(shape).filter((k) => !inText.includes(k)))).toEqual([]);
    expect(prepared.length).toBeGreaterThanOrEqual(10);
  });
  test.each(cases)("%j deep=%s (%s) reads a page per segment without knowing the values", async (params, deep, who) => {
    expectAPagePerSegment(await plan(params, deep, who === "owner" ? auth : member, true), [params, deep, who, "generic"]);
  });
});

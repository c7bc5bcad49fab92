import { randomUUID } from "node:crypto";
import { packAbility } from "../../libs/authz";
import { ManualClock } from "../../libs/clock";
import { ListTasksQuery, listTasksQuery, TASK_STATUSES } from "../../libs/contracts";
import type { Db } from "../../libs/db";
import { NotFoundError } from "../../libs/errors";
import { CursorCodec } from "../../libs/task-query";
import { postgresDb } from "../../test/support/db";
import { seeded } from "../../test/support/task-fixtures";
import { migrations, TASKS_SCHEMA } from "./migrations";
import { readTaskJson } from "./task-json";
import { TaskLister } from "./task-list";
import { TASKS, toTaskDto } from "./task-row";
import { readTask } from "./task-scope";

const clock = new ManualClock(new Date("2026-11-05T12:00:00Z"));
const alice = packAbility({ id: randomUUID(), roles: ["member"] });
const bob = packAbility({ id: randomUUID(), roles: ["member"] });

/** What JSON and SQL quote differently if anything: quotes, backslashes, controls, line separators, astral characters. */
const HOSTILE = ['plain', 'say "hi" \\ back', "tab\tnew\nline\r\u0001\u001f\u007f", "\u2028\u2029 </script>", "émoji 🎉 ∑", "'; drop table x; --"];

function rowsFor(ownerId: string, count: number, rand: () => number) {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  // Microseconds on purpose: the API's instants are milliseconds, truncated, as the driver's Dates were.
  const instant = () => new Date(Date.parse("2026-03-20T00:00:00Z") + Math.floor(rand() * 40 * 86_400_000)).toISOString().replace("Z", `${Math.floor(rand() * 1000)}Z`.padStart(4, "0"));
  const maybe = <T>(value: () => T) => (rand() < 0.5 ? value() : null);
  return Array.from({ length: count }, (_, i) => {
    const recurring = i % 4 === 0;
    const due = recurring || rand() < 0.7 ? instant() : null;
    return {
      id: randomUUID(),
      owner_id: ownerId,
      title: `${pick(HOSTILE)} ${i}`,
      description: i % 3 === 0 ? pick(HOSTILE) : "",
      status: pick(TASK_STATUSES),
      priority: Math.floor(rand() * 5),
      due_at: due,
      start_at: maybe(instant),
      completed_at: maybe(instant),
      tags: HOSTILE.filter(() => rand() < 0.2),
      recurrence: recurring ? JSON.stringify({ rrule: pick(["FREQ=DAILY", "FREQ=WEEKLY;BYDAY=MO,WE", "FREQ=MONTHLY;BYMONTHDAY=31;COUNT=5"]), timezone: "Europe/Berlin", from: pick(["due", "completion"]), exdates: [] }) : null,
      dtstart: recurring && rand() < 0.5 ? instant() : null,
      reminders: JSON.stringify(i % 5 === 0 ? [{ id: randomUUID(), kind: "relative", offsetMinutes: -15, channels: ["sse", "whatsapp"] }] : []),
      timezone: "Europe/Berlin",
      assignee_id: rand() < 0.2 ? randomUUID() : null,
      position: Math.floor(rand() * 100),
      children_total: i % 7,
      children_done: i % 3,
      blocked_by: rand() < 0.2 ? [randomUUID(), randomUUID()] : [],
      blocked: rand() < 0.2,
      dav_properties: pick([null, "", "X-APPLE-SORT-ORDER:7\r\nX-\"odd\":\\"]),
      created_at: instant(),
      updated_at: instant(),
      version: 1 + Math.floor(rand() * 9),
    };
  });
}

const parse = (params: Record<string, string>) => listTasksQuery.parse(params) as ListTasksQuery;

const QUERIES: Record<string, string>[] = [
  {},
  { sort: "-dueAt" },
  { sort: "title" },
  { sort: "-priority,dueAt", status: "todo,in_progress" },
  { sort: "-updatedAt", tag: HOSTILE[1]! },
  { sort: "createdAt", facets: "status,priority,tag" },
  { overdue: "true", sort: "-dueAt" },
];

describe("a task rendered by Postgres", () => {
  let db: Db;
  let close: () => Promise<void>;
  let lister: TaskLister;

  beforeAll(async () => {
    ({ db, close } = await postgresDb(2, { schema: TASKS_SCHEMA, migrations }));
    const rand = seeded(11);
    await db(TASKS).insert([...rowsFor(alice.userId, 90, rand), ...rowsFor(bob.userId, 10, rand)]);
    lister = new TaskLister(db, new CursorCodec("x".repeat(32), clock), clock);
  }, 60_000);
  afterAll(() => close?.());

  it.each(QUERIES)("pages of %j are the DTO pages, key for key, cursors included", async (params) => {
    let cursor: string | undefined;
    let seen = 0;
    for (let pages = 0; pages < 50; pages++) {
      const query = parse({ ...params, limit: "8", ...(cursor ? { cursor } : {}) });
      const [rendered, expected] = await Promise.all([lister.listJson(alice, query), lister.list(alice, query)]);
      const page = JSON.parse(rendered);
      expect(page).toEqual(JSON.parse(JSON.stringify(expected)));
      page.items.forEach((item: object, i: number) => expect(Object.keys(item)).toEqual(Object.keys(expected.items[i]!)));
      seen += page.items.length;
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(seen).toBeGreaterThan(0);
  });

  it("one task is its DTO, and another user's is not found", async () => {
    const ids: { id: string; owner_id: string }[] = await db(TASKS).select("id", "owner_id");
    for (const { id } of ids.filter((r) => r.owner_id === alice.userId)) {
      const { json, version } = await readTaskJson(db, alice, id);
      const dto = toTaskDto(await readTask(db, alice, id));
      expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify(dto)));
      expect(Object.keys(JSON.parse(json))).toEqual(Object.keys(dto));
      expect(version).toBe(dto.version);
    }
    const bobs = ids.find((r) => r.owner_id === bob.userId)!;
    await expect(readTaskJson(db, alice, bobs.id)).rejects.toBeInstanceOf(NotFoundError);
  });
});

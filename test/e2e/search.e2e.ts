import { Api, TestUser } from "../support/api";
import { RunningStack, startWithUsers } from "../support/stack";

let stack: RunningStack;
let api: Api;
type User = TestUser;
let alice: User;
let bob: User;

beforeAll(async () => {
  ({ stack, api, users: [alice, bob] } = await startWithUsers(2));
}, 60_000);
afterAll(() => stack?.stop(), 30_000);

const as = (u: User) => ({ token: u.accessToken });
type Task = { id: string; title: string; dueAt: string | null; status: string; priority: string; ownerId: string };
type Page = { items: Task[]; nextCursor: string | null };

async function create(user: User, body: Record<string, unknown>): Promise<Task> {
  const res = await api.post("/tasks", body, as(user));
  if (res.status !== 201) throw new Error(`create failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Creates many tasks, a modest batch of requests at a time. */
async function createMany(user: User, bodies: Record<string, unknown>[], batch = 25): Promise<Task[]> {
  const out: Task[] = [];
  for (let i = 0; i < bodies.length; i += batch) out.push(...(await Promise.all(bodies.slice(i, i + batch).map((b) => create(user, b)))));
  return out;
}

async function list(user: User, params: string): Promise<Page> {
  const res = await api.get(`/tasks?${params}`, as(user));
  if (res.status !== 200) throw new Error(`GET /tasks?${params}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

/** Search reads a copy fed by events: poll until it shows what the test expects. */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 15_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > until) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function walk(user: User, params: string, between?: () => Promise<unknown>): Promise<Task[]> {
  const seen: Task[] = [];
  let cursor: string | null = null;
  do {
    const page: Page = await list(user, `${params}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    seen.push(...page.items);
    cursor = page.nextCursor;
    if (between) await between();
  } while (cursor);
  return seen;
}

const titles = (p: Page) => p.items.map((t) => t.title);

describe("search", () => {
  test("typo and prefix search find the caller's tasks only", async () => {
    await Promise.all([
      create(alice, { title: "Buy groceries for Sunday" }),
      create(alice, { title: "Landing page review" }),
      create(bob, { title: "Buy groceries too" }),
      create(bob, { title: "Landing strip" }),
    ]);
    const typo = await eventually(() => list(alice, "q=grocries"), (p) => p.items.length > 0);
    expect(titles(typo)).toEqual(["Buy groceries for Sunday"]);
    const prefix = await eventually(() => list(alice, "q=land"), (p) => p.items.length > 0);
    expect(titles(prefix)).toEqual(["Landing page review"]);
    const bobs = await eventually(() => list(bob, "q=land"), (p) => p.items.length > 0);
    expect(titles(bobs)).toEqual(["Landing strip"]);
  });

  test("q combines with filters and sort", async () => {
    const specs = [
      { title: "Invoice Acme", status: "todo", priority: "high", dueAt: "2026-12-03T09:00:00Z", tags: ["billing"] },
      { title: "Invoice Globex", status: "todo", priority: "urgent", dueAt: "2026-12-01T09:00:00Z" },
      { title: "Invoice Initech", status: "done", priority: "urgent", dueAt: "2026-12-02T09:00:00Z" },
      { title: "Invoice Umbrella", status: "in_progress", priority: "low", dueAt: null, tags: ["billing"] },
      { title: "Invoice Hooli", status: "todo", priority: "high", dueAt: "2026-12-02T09:00:00Z" },
    ];
    await createMany(alice, specs);
    await eventually(() => list(alice, "q=invoice"), (p) => p.items.length === 5);
    expect(titles(await list(alice, "q=invoice&status=todo,in_progress&sort=dueAt"))).toEqual([
      "Invoice Globex", "Invoice Hooli", "Invoice Acme", "Invoice Umbrella",
    ]);
    expect(titles(await list(alice, "q=invoic&priority=urgent,high&sort=-priority,-dueAt"))).toEqual([
      "Invoice Initech", "Invoice Globex", "Invoice Acme", "Invoice Hooli",
    ]);
    expect(titles(await list(alice, "q=invoice&tag=billing&sort=title"))).toEqual(["Invoice Acme", "Invoice Umbrella"]);
    expect(titles(await list(alice, "q=invoice&dueFrom=2026-12-02T09:00:00Z&dueTo=2026-12-03T09:00:00Z&sort=title"))).toEqual([
      "Invoice Hooli", "Invoice Initech",
    ]);
  });

  test("changes and deletes reach the index", async () => {
    const task = await create(alice, { title: "Rename me walrus" });
    await eventually(() => list(alice, "q=walrus"), (p) => p.items.length === 1);
    expect((await api.patch(`/tasks/${task.id}`, { title: "Renamed narwhal" }, as(alice))).status).toBe(200);
    const renamed = await eventually(() => list(alice, "q=narwhal"), (p) => p.items.length === 1);
    expect(renamed.items[0]).toMatchObject({ id: task.id, title: "Renamed narwhal", version: 2 });
    expect((await list(alice, "q=walrus")).items).toEqual([]);
    expect((await api.delete(`/tasks/${task.id}`, as(alice))).status).toBe(204);
    expect((await eventually(() => list(alice, "q=narwhal"), (p) => p.items.length === 0)).items).toEqual([]);
  });
});

describe("walking 1,000 tasks while others are inserted", () => {
  const day = (i: number) => new Date(Date.parse("2027-01-01T00:00:00Z") + (i % 97) * 3_600_000).toISOString();
  let carol: User;
  let original: Task[];
  let inserted = 0;
  const insertSome = () =>
    createMany(carol, [0, 1, 2].map((k) => ({ title: `Hiking walker extra ${inserted++}`, dueAt: day(inserted * 31 + k) })));

  beforeAll(async () => {
    carol = await api.newUser();
    original = await createMany(carol, Array.from({ length: 1000 }, (_, i) => ({ title: `Hiking walker ${i}`, dueAt: i % 10 ? day(i) : null })));
    // Someone else's matching tasks must never show up in Carol's walk.
    await createMany(bob, Array.from({ length: 20 }, (_, i) => ({ title: `Hiking walker bob ${i}`, dueAt: day(i) })));
  }, 60_000);

  const check = (seen: Task[]) => {
    const ids = seen.map((t) => t.id);
    expect(new Set(ids).size).toBe(ids.length);
    const set = new Set(ids);
    expect(original.filter((t) => !set.has(t.id))).toEqual([]);
    expect(seen.every((t) => t.ownerId === carol.user.id)).toBe(true);
    // In order: dated by due date, undated last.
    const due = seen.map((t) => (t.dueAt ? Date.parse(t.dueAt) : Infinity));
    expect(due).toEqual([...due].sort((a, b) => a - b));
  };

  test("a list: no duplicate, no gap", async () => {
    check(await walk(carol, "sort=dueAt&limit=50", insertSome));
  }, 60_000);

  test("a search: no duplicate, no gap", async () => {
    await eventually(() => walk(carol, "q=walker&sort=dueAt&limit=200"), (seen) => seen.length >= 1000, 30_000);
    check(await walk(carol, "q=walker&sort=dueAt&limit=50", insertSome));
  }, 60_000);
});

describe("filters and sort without q", () => {
  test("every filter, AND across, OR within", async () => {
    const dave = await api.newUser();
    await createMany(dave, [
      { title: "a", status: "todo", priority: "high", dueAt: "2020-01-01T00:00:00Z", tags: ["x"] },
      { title: "b", status: "done", priority: "high", dueAt: "2020-01-02T00:00:00Z", tags: ["y"] },
      { title: "c", status: "in_progress", priority: "low", dueAt: "2099-01-01T00:00:00Z", tags: ["x", "y"] },
      { title: "d", status: "todo", priority: "none", dueAt: null },
    ]);
    const q = async (params: string) => titles(await list(dave, `${params}&sort=title`));
    expect(await q("status=todo,done")).toEqual(["a", "b", "d"]);
    expect(await q("priority=high&status=todo")).toEqual(["a"]);
    expect(await q("tag=y")).toEqual(["b", "c"]);
    expect(await q("overdue=true")).toEqual(["a"]);
    expect(await q("dueFrom=2020-01-02T00:00:00%2B00:00&dueTo=2099-01-01T00:00:00Z")).toEqual(["b"]);
    expect(titles(await list(dave, "sort=-dueAt"))).toEqual(["c", "b", "a", "d"]);
    expect(titles(await list(dave, "sort=-priority,title"))).toEqual(["a", "b", "c", "d"]);
  });
});

describe("bad parameters", () => {
  test("every bad parameter answers 422, with q and without", async () => {
    const good = await list(alice, "limit=1&sort=dueAt");
    const [body, sig] = good.nextCursor!.split(".");
    const tampered = `${body!.slice(0, -2)}AA.${sig}`;
    const bad = [
      "status=blocked", "status=", "priority=critical", "tag=", `tag=${"t".repeat(51)}`, "projectId=nope",
      "dueFrom=2026-01-01", "dueTo=tomorrow", "dueFrom=2026-02-01T00:00:00Z&dueTo=2026-01-01T00:00:00Z",
      "overdue=yes", "q=", "q=%21%21%21", `q=${"x".repeat(201)}`, "sort=banana", "sort=dueAt,dueAt", "sort=-", "sort=",
      "limit=0", "limit=201", "limit=ten", "cursor=garbage", "color=red", "status=todo&status=done",
      `sort=dueAt&cursor=${encodeURIComponent(tampered)}`, `sort=-dueAt&cursor=${encodeURIComponent(good.nextCursor!)}`,
    ];
    for (const params of bad) {
      for (const withQ of ["", "&q=walker"]) {
        if (withQ && params.startsWith("q=")) continue;
        const res = await api.get(`/tasks?${params}${withQ}`, as(alice));
        expect([params + withQ, res.status]).toEqual([params + withQ, 422]);
        expect(res.headers.get("content-type")).toMatch(/problem\+json/);
      }
    }
    // A cursor is the caller's own.
    expect((await api.get(`/tasks?limit=1&sort=dueAt&cursor=${encodeURIComponent(good.nextCursor!)}`, as(bob))).status).toBe(422);
  });
});

import { Api, share, TestUser } from "../support/api";
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
type Range = [number, number];
type Task = {
  id: string; title: string; description: string; dueAt: string | null; status: string; priority: string; ownerId: string; projectId: string | null;
  highlights?: { title?: Range[]; description?: Range[] };
};
type Facets = { status?: Record<string, number>; priority?: Record<string, number>; tag?: Record<string, number>; projectId?: Record<string, number> };
type Page = { items: Task[]; nextCursor: string | null; facets?: Facets; facetsComplete?: boolean };

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

describe("search additions: prefixes from the first letter, highlights, facets", () => {
  let erin: User;
  let frank: User;
  let mallory: User;
  let projectId: string;
  let kickoff: Task;
  const prefixes = ["p", "pr", "pro", "k", "ki", "kic", "project k"];
  const all = "status,priority,tag,projectId";

  beforeAll(async () => {
    [erin, frank, mallory] = await Promise.all([api.newUser(), api.newUser(), api.newUser()]);
    const project = await api.post("/projects", { name: "Zoo" }, as(frank));
    projectId = project.body.id;
    await share(api, frank, projectId, erin, "viewer");
    [kickoff] = await createMany(erin, [
      { title: "Project kickoff", description: "kickoff agenda, bring slides", priority: "high", tags: ["work"] },
      { title: "Plan the party", status: "done", priority: "low", tags: ["home"] },
      { title: "Pay rent", status: "in_progress", tags: ["home", "money"] },
    ]);
    await create(frank, { title: "Project shared penguin", projectId, tags: ["zoo"], priority: "urgent" });
    await eventually(() => list(erin, "q=penguin"), (p) => p.items.length === 1);
    await eventually(() => list(erin, "q=kickoff"), (p) => p.items.length === 1);
  }, 60_000);

  const ids = (p: Page) => p.items.map((t) => t.id).sort();

  test("1-, 2- and 3-letter prefixes find the caller's words; another tenant's words change nothing", async () => {
    const read = () => Promise.all(prefixes.map((q) => list(erin, `q=${encodeURIComponent(q)}&limit=200&facets=${all}`)));
    const before = await read();
    for (const page of before.slice(0, 6)) expect(page.items.map((t) => t.id)).toContain(kickoff.id);
    expect(titles(before[0]!).sort()).toEqual(["Pay rent", "Plan the party", "Project kickoff", "Project shared penguin"]);
    // Mallory floods the vocabulary with frequent words starting like Erin's.
    await createMany(mallory, Array.from({ length: 80 }, (_, i) => ({
      title: `proa${i} prob${i} pa${i} kia${i} kib${i} project kickoff secret`, description: `pz${i} kz${i}`, tags: ["mallory"],
    })));
    await eventually(() => list(mallory, "q=secret&limit=200"), (p) => p.items.length === 80, 30_000);
    const after = await read();
    expect(after.map(ids)).toEqual(before.map(ids));
    expect(after.map((p) => p.facets)).toEqual(before.map((p) => p.facets));
    for (const page of after) for (const t of page.items) expect(t.title).not.toMatch(/secret/);
    // And Mallory never sees Erin's or the project's tasks, nor counts them.
    const theirs = await list(mallory, `q=p&limit=200&facets=${all}`);
    expect(theirs.items.every((t) => t.ownerId === mallory.user.id)).toBe(true);
    expect(theirs.facets).toEqual({ status: { todo: 80 }, priority: { none: 80 }, tag: { mallory: 80 }, projectId: {} });
  }, 60_000);

  test("each hit carries end-exclusive highlights; the page answers facets for the same filters and q", async () => {
    const page = await list(erin, "q=kick");
    expect(page.items).toHaveLength(1);
    expect(page.items[0]!.highlights).toEqual({ title: [[8, 12]], description: [[0, 4]] });
    expect(page).not.toHaveProperty("facets");
    // Earlier words match whole or as prefixes too.
    expect((await list(erin, "q=proj%20kick")).items.map((t) => t.id)).toEqual([kickoff.id]);
    const pay = (await list(erin, "q=pa")).items.find((t) => t.title === "Pay rent")!;
    expect(pay.highlights).toEqual({ title: [[0, 2]] });
  });

  test("facets on a search and on a list count every visible match, shared projects included, never others'", async () => {
    const searched = await list(erin, `q=p&facets=${all}&limit=1`);
    expect(searched.items).toHaveLength(1);
    expect(searched.facets).toEqual({
      status: { todo: 2, done: 1, in_progress: 1 },
      priority: { high: 1, low: 1, none: 1, urgent: 1 },
      tag: { home: 2, work: 1, money: 1, zoo: 1 },
      projectId: { [projectId]: 1 },
    });
    expect(searched.facetsComplete).toBe(true);
    const filtered = await list(erin, "q=p&status=todo,in_progress&tag=home,zoo&facets=status,tag");
    expect(filtered.facets).toEqual({ status: { in_progress: 1, todo: 1 }, tag: { home: 1, money: 1, zoo: 1 } });
    const listed = await list(erin, `status=todo,in_progress,done&facets=${all}&limit=1`);
    expect(listed.facets).toEqual(searched.facets);
    expect(listed.facetsComplete).toBe(true);
    // A later page answers the same counts.
    const next = await list(erin, `status=todo,in_progress,done&facets=status&limit=1&cursor=${encodeURIComponent(listed.nextCursor!)}`);
    expect(next.facets).toEqual({ status: searched.facets!.status });
    // The project's owner counts the project's task; Erin's private tasks stay hers.
    const franks = await list(frank, `q=p&facets=${all}`);
    expect(franks.facets).toEqual({ status: { todo: 1 }, priority: { urgent: 1 }, tag: { zoo: 1 }, projectId: { [projectId]: 1 } });
  });

  test("a bad facets parameter answers 422 and changes nothing", async () => {
    for (const params of ["facets=color", "facets=", "facets=status,bogus", "facets=Status", `facets=${"status,".repeat(30)}status`]) {
      for (const withQ of ["", "&q=p"]) {
        const res = await api.get(`/tasks?${params}${withQ}`, as(erin));
        expect([params + withQ, res.status]).toEqual([params + withQ, 422]);
        expect(res.headers.get("content-type")).toMatch(/problem\+json/);
      }
    }
  });

  test("hostile queries answer 200 with the caller's tasks only, or 422 without a letter or digit", async () => {
    const hostile = [
      "p%", "%p", "p_", "_p", "p\\", "\\p", "'p", "p'", '"p"', "p:*", "p:* | !x", "!(p) & (q)", "p' or '1'='1", "p;--",
      "pr\u00f6ject", "日本", "Über", "🐱 p", "i̇stanbul", "\u202ep", "p".repeat(200), "p ".repeat(100).trim(), "<script>p</script>",
    ];
    for (const q of hostile) {
      const res = await api.get(`/tasks?q=${encodeURIComponent(q)}&facets=${all}`, as(erin));
      expect([q, res.status]).toEqual([q, 200]);
      const page = res.body as Page;
      for (const t of page.items) expect(t.ownerId === erin.user.id || t.projectId === projectId).toBe(true);
      for (const t of page.items) for (const [s, e] of [...(t.highlights?.title ?? []), ...(t.highlights?.description ?? [])]) expect(0 <= s && s < e).toBe(true);
      expect(Object.keys(page.facets!.tag ?? {})).not.toContain("mallory");
    }
    // No letter or digit; or a NUL, which no text store holds (refused at the edge).
    for (const q of ["%", "_", "\\", "'", '"', "%%%", "  ", "p\u0000x"]) {
      const res = await api.get(`/tasks?q=${encodeURIComponent(q)}`, as(erin));
      expect([q, res.status]).toEqual([q, 422]);
    }
  }, 60_000);
});

describe("subtask and dependency filters with q", () => {
  test("parentId, topLevel and blocked filter search results; blocked follows the blocker's completion", async () => {
    const parent = await create(alice, { title: "Ocelot release" });
    const [child, other] = await createMany(alice, [
      { title: "Ocelot notes", parentId: parent.id },
      { title: "Ocelot poster" },
    ]);
    expect((await api.patch(`/tasks/${child!.id}`, { blockedBy: [other!.id] }, as(alice))).status).toBe(200);
    await create(bob, { title: "Ocelot of bob" });
    const ids = (p: Page) => p.items.map((t) => t.id).sort();
    await eventually(() => list(alice, "q=ocelot&blocked=true"), (p) => p.items.length === 1);
    expect(ids(await list(alice, "q=ocelot"))).toEqual([parent.id, child!.id, other!.id].sort());
    expect(ids(await list(alice, `q=oce&parentId=${parent.id}`))).toEqual([child!.id]);
    expect(ids(await list(alice, "q=o&topLevel=true&sort=title"))).toEqual([parent.id, other!.id].sort());
    expect(ids(await list(alice, "q=ocelot&blocked=true"))).toEqual([child!.id]);
    expect(ids(await list(alice, "q=ocelot&blocked=false&sort=-createdAt"))).toEqual([parent.id, other!.id].sort());
    // Another user's children list through search is empty, not an error.
    expect((await list(bob, `q=ocelot&parentId=${parent.id}`)).items).toEqual([]);
    expect((await api.post(`/tasks/${other!.id}/complete`, {}, as(alice))).status).toBe(200);
    expect((await eventually(() => list(alice, "q=ocelot&blocked=true"), (p) => p.items.length === 0)).items).toEqual([]);
    expect(ids(await list(alice, `q=ocelot&blocked=false&parentId=${parent.id}`))).toEqual([child!.id]);
    // Search does not index sibling order.
    expect((await api.get(`/tasks?q=ocelot&parentId=${parent.id}&sort=position`, as(alice))).status).toBe(422);
  });
});

import { connect, NatsConnection, StringCodec } from "nats";
import { Api, TestUser } from "../support/api";
import { NATS_URL, RunningStack, startWithUsers } from "../support/stack";

let stack: RunningStack;
let api: Api;
let alice: TestUser;
let bob: TestUser;

beforeAll(async () => {
  ({ stack, api, users: [alice, bob] } = await startWithUsers(2));
}, 60_000);
afterAll(() => stack?.stop(), 30_000);

const as = (u: { accessToken: string }, headers: Record<string, string> = {}) => ({ token: u.accessToken, headers });

async function createTask(body: Record<string, unknown> = { title: "Pay rent" }, user = alice) {
  const res = await api.post("/tasks", body, as(user));
  expect(res.status).toBe(201);
  return res.body;
}

async function countTasks(user = alice): Promise<number> {
  let n = 0;
  let cursor: string | null = null;
  do {
    const res: { body: { items: unknown[]; nextCursor: string | null } } = await api.get(`/tasks?limit=200${cursor ? `&cursor=${cursor}` : ""}`, as(user));
    n += res.body.items.length;
    cursor = res.body.nextCursor;
  } while (cursor);
  return n;
}

describe("creating and reading", () => {
  test("create answers the task with defaults, an ETag and a Location", async () => {
    const res = await api.post("/tasks", { title: "  Pay rent ", dueAt: "2026-12-01T09:00:00+01:00", tags: ["Home", "home", "bills"] }, as(alice));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      title: "Pay rent",
      description: "",
      status: "todo",
      priority: "none",
      dueAt: "2026-12-01T08:00:00.000Z",
      startAt: null,
      completedAt: null,
      tags: ["home", "bills"],
      projectId: null,
      ownerId: alice.user.id,
      version: 1,
    });
    expect(res.headers.get("etag")).toBe('"1"');
    expect(res.headers.get("location")).toBe(`/api/v1/tasks/${res.body.id}`);
    const got = await api.get(`/tasks/${res.body.id}`, as(alice));
    expect(got.status).toBe(200);
    expect(got.body).toEqual(res.body);
    // Passed through as the tasks service wrote it (issue 14): the same headers as a serialised body.
    expect(got.headers.get("etag")).toBe('"1"');
    expect(got.headers.get("content-type")).toBe("application/json; charset=utf-8");
  });

  test("bad input answers 422 naming each field and creates nothing", async () => {
    const before = await countTasks();
    const cases: [Record<string, unknown>, string][] = [
      [{}, "body.title"],
      [{ title: "" }, "body.title"],
      [{ title: "x".repeat(501) }, "body.title"],
      [{ title: "t", ownerId: bob.user.id }, "body"],
      [{ title: "t", version: 7 }, "body"],
      [{ title: "t", priority: "critical" }, "body.priority"],
      [{ title: "t", status: "blocked" }, "body.status"],
      [{ title: "t", dueAt: "2026-12-01T09:00:00" }, "body.dueAt"],
      [{ title: "t", tags: "home" }, "body.tags"],
    ];
    for (const [body, path] of cases) {
      const res = await api.post("/tasks", body, as(alice));
      expect(res.status).toBe(422);
      expect(res.headers.get("content-type")).toMatch(/problem\+json/);
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    }
    expect((await api.request("POST", "/tasks", undefined, { ...as(alice), rawBody: "{nope" })).status).toBe(400);
    expect((await api.get("/tasks/not-a-uuid", as(alice))).status).toBe(422);
    expect(await countTasks()).toBe(before);
  });

  test("another user's task is 404 to get, patch, delete and complete, and stays unchanged", async () => {
    const task = await createTask({ title: "Alice's secret" });
    expect((await api.get(`/tasks/${task.id}`, as(bob))).status).toBe(404);
    expect((await api.patch(`/tasks/${task.id}`, { title: "pwned" }, as(bob))).status).toBe(404);
    expect((await api.post(`/tasks/${task.id}/complete`, undefined, as(bob))).status).toBe(404);
    expect((await api.get(`/tasks/${task.id}/completions`, as(bob))).status).toBe(404);
    expect((await api.delete(`/tasks/${task.id}`, as(bob))).status).toBe(404);
    const list = await api.get("/tasks?limit=200", as(bob));
    expect(list.body.items.map((t: { id: string }) => t.id)).not.toContain(task.id);
    expect((await api.get(`/tasks/${task.id}`, as(alice))).body).toEqual(task);
  });

  test("no token, no tasks", async () => {
    expect((await api.get("/tasks")).status).toBe(401);
    expect((await api.post("/tasks", { title: "x" })).status).toBe(401);
  });
});

describe("changing", () => {
  test("patch changes named fields, bumps the version, and honours If-Match", async () => {
    const task = await createTask({ title: "Draft", priority: "low" });
    const stale = await api.patch(`/tasks/${task.id}`, { title: "Stale" }, as(alice, { "if-match": '"2"' }));
    expect(stale.status).toBe(412);
    const ok = await api.patch(`/tasks/${task.id}`, { title: "Final", status: "in_progress", dueAt: null }, as(alice, { "if-match": '"1"' }));
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ title: "Final", status: "in_progress", priority: "low", version: 2 });
    expect(ok.headers.get("etag")).toBe('"2"');
    expect((await api.patch(`/tasks/${task.id}`, { title: "Again" }, as(alice, { "if-match": '"1"' }))).status).toBe(412);
    expect((await api.get(`/tasks/${task.id}`, as(alice))).body.title).toBe("Final");
    expect((await api.patch(`/tasks/${task.id}`, {}, as(alice))).status).toBe(422);
    expect((await api.patch(`/tasks/${task.id}`, { ownerId: bob.user.id }, as(alice))).status).toBe(422);
  });

  test("a repeated Idempotency-Key creates one task and replays the first answer", async () => {
    const before = await countTasks();
    const key = `key-${Date.now()}`;
    const [a, b] = await Promise.all([
      api.post("/tasks", { title: "Once" }, as(alice, { "idempotency-key": key })),
      api.post("/tasks", { title: "Once" }, as(alice, { "idempotency-key": key })),
    ]);
    const c = await api.post("/tasks", { title: "Once" }, as(alice, { "idempotency-key": key }));
    expect([a.status, b.status, c.status]).toEqual([201, 201, 201]);
    expect(new Set([a.body.id, b.body.id, c.body.id]).size).toBe(1);
    expect(await countTasks()).toBe(before + 1);
    expect((await api.post("/tasks", { title: "Different" }, as(alice, { "idempotency-key": key }))).status).toBe(422);
    // Keys belong to a user: Bob's identical key is his own.
    const bobs = await api.post("/tasks", { title: "Once" }, as(bob, { "idempotency-key": key }));
    expect(bobs.status).toBe(201);
    expect(bobs.body.id).not.toBe(a.body.id);
  });

  test("complete records one completion however often it is retried", async () => {
    const task = await createTask({ title: "Water plants", dueAt: "2026-12-02T08:00:00Z" });
    const first = await api.post(`/tasks/${task.id}/complete`, undefined, as(alice));
    expect(first.status).toBe(200);
    expect(first.body.task).toMatchObject({ status: "done", version: 2 });
    expect(first.body.completion).toEqual({ occurrenceAt: "2026-12-02T08:00:00.000Z", completedAt: first.body.task.completedAt });
    const again = await api.post(`/tasks/${task.id}/complete`, undefined, as(alice));
    expect(again.body).toEqual(first.body);
    const history = await api.get(`/tasks/${task.id}/completions`, as(alice));
    expect(history.body.items).toEqual([first.body.completion]);
  });

  test("delete answers 204, then the task is gone", async () => {
    const task = await createTask({ title: "Temporary" });
    expect((await api.delete(`/tasks/${task.id}`, as(alice, { "if-match": '"9"' }))).status).toBe(412);
    expect((await api.delete(`/tasks/${task.id}`, as(alice))).status).toBe(204);
    expect((await api.get(`/tasks/${task.id}`, as(alice))).status).toBe(404);
    expect((await api.delete(`/tasks/${task.id}`, as(alice))).status).toBe(404);
  });
});

describe("listing", () => {
  test("pages by cursor without gaps or duplicates, filters by status, and refuses bad parameters", async () => {
    const carol = await api.newUser();
    const created = [];
    for (let i = 0; i < 7; i++) created.push(await createTask({ title: `T${i}`, status: i % 2 ? "done" : "todo" }, carol));
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { status: number; body: { items: { id: string }[]; nextCursor: string | null } } = await api.get(`/tasks?limit=3${cursor ? `&cursor=${cursor}` : ""}`, as(carol));
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((t) => t.id));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(created.map((t) => t.id));

    const desc = await api.get("/tasks?sort=-createdAt&status=done", as(carol));
    expect(desc.body.items.map((t: { title: string }) => t.title)).toEqual(["T5", "T3", "T1"]);

    for (const bad of ["status=blocked", "limit=0", "limit=201", "color=red", "cursor=garbage", "sort=banana"]) {
      const res = await api.get(`/tasks?${bad}`, as(carol));
      expect(res.status).toBe(422);
    }
    const page = await api.get("/tasks?limit=2", as(carol));
    expect((await api.get(`/tasks?limit=2&sort=-createdAt&cursor=${page.body.nextCursor}`, as(carol))).status).toBe(422);
  });
});

describe("recurrence", () => {
  test("a monthly task previews its occurrences, moves on when completed, and bad rules answer 422", async () => {
    const created = await api.post(
      "/tasks",
      { title: "Pay rent", dueAt: "2026-01-31T09:00:00+01:00", recurrence: { rrule: "FREQ=MONTHLY;BYMONTHDAY=-1", timezone: "Europe/Berlin" }, reminders: [{ offset: "-P1D", channels: ["sse"] }] },
      as(alice),
    );
    expect(created.status).toBe(201);
    expect(created.body.recurrence).toEqual({ rrule: "FREQ=MONTHLY;BYMONTHDAY=-1", timezone: "Europe/Berlin", from: "due", exdates: [], text: "every month on the last day at 09:00" });
    const next = await api.get(`/tasks/${created.body.id}/occurrences?limit=4`, as(alice));
    // Last day of each month at 09:00 Berlin, CET then CEST.
    expect(next.body.items).toEqual(["2026-01-31T08:00:00.000Z", "2026-02-28T08:00:00.000Z", "2026-03-31T07:00:00.000Z", "2026-04-30T07:00:00.000Z"]);
    const done = await api.post(`/tasks/${created.body.id}/complete`, { occurrenceAt: "2026-01-31T08:00:00Z" }, as(alice));
    expect(done.status).toBe(200);
    expect(done.body.task).toMatchObject({ status: "todo", dueAt: "2026-02-28T08:00:00.000Z" });
    const retried = await api.post(`/tasks/${created.body.id}/complete`, { occurrenceAt: "2026-01-31T08:00:00Z" }, as(alice));
    expect(retried.body).toEqual(done.body);
    expect((await api.get(`/tasks/${created.body.id}/completions`, as(alice))).body.items).toHaveLength(1);
    expect((await api.get(`/tasks/${created.body.id}/occurrences?limit=101`, as(alice))).status).toBe(422);

    for (const [recurrence, path] of [
      [{ rrule: "FREQ=FORTNIGHTLY" }, "body.recurrence.rrule"],
      [{ rrule: "RRULE:FREQ=DAILY" }, "body.recurrence.rrule"],
      [{ rrule: "FREQ=DAILY", timezone: "Moon/Base" }, "body.recurrence.timezone"],
      [{ rrule: "FREQ=DAILY", colour: "red" }, "body.recurrence"],
    ] as const) {
      const res = await api.post("/tasks", { title: "x", dueAt: "2026-01-01T09:00:00Z", recurrence }, as(alice));
      expect(res.status).toBe(422);
      expect(res.body.errors.map((e: { path: string }) => e.path)).toContain(path);
    }
    const noDue = await api.post("/tasks", { title: "x", recurrence: { rrule: "FREQ=DAILY" } }, as(alice));
    expect(noDue.status).toBe(422);
  });
});

const distributedOnly = process.env.E2E_MODE === "distributed" ? describe : describe.skip;
distributedOnly("events", () => {
  let nc: NatsConnection;
  afterAll(() => nc?.close());

  test("each change is published to JetStream from the outbox", async () => {
    nc = await connect({ servers: NATS_URL });
    const jsm = await nc.jetstreamManager();
    const subject = `${stack.env.NAMESPACE}.task.created`;
    const task = await createTask({ title: "Published" });
    const stream = subject.split(".").join("_");
    const codec = StringCodec();
    let found: { type: string; taskId: string; key: string } | undefined;
    for (let attempt = 0; attempt < 50 && !found; attempt++) {
      const info = await jsm.streams.info(stream).catch(() => undefined);
      for (let seq = 1; info && seq <= info.state.last_seq; seq++) {
        const msg = await jsm.streams.getMessage(stream, { seq });
        const event = JSON.parse(codec.decode(msg.data));
        if (event.taskId === task.id) found = event;
      }
      if (!found) await new Promise((r) => setTimeout(r, 100));
    }
    expect(found).toMatchObject({ type: "task.created", taskId: task.id, version: 1, key: expect.any(String) });
  });
});

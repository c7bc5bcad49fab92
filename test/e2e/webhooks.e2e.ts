import { Client } from "pg";
import { Webhook } from "standardwebhooks";
import { Api, eventually, expectProblem, pollUntil, share, TestUser } from "../support/api";
import { RunningStack, startStack } from "../support/stack";
import { Received, WebhookReceiver } from "../support/webhook-receiver";

/**
 * Retries in milliseconds instead of minutes (the schedule's shape is the same: base × 1, 6, 24, ...,
 * the last attempt on the horizon), so a delivery fails for good within seconds; 127.0.0.1 is the
 * only allow-listed host ("localhost" is not, though it resolves there).
 */
const ENV = {
  WEBHOOK_ALLOWED_HOSTS: "127.0.0.1",
  WEBHOOK_TIMEOUT_MS: "500",
  WEBHOOK_RETRY_BASE_MS: "100",
  WEBHOOK_RETRY_HORIZON_MS: "3000",
  WEBHOOK_DISABLE_AFTER_FAILURES: "3",
};

let stack: RunningStack;
let api: Api;
const receiver = new WebhookReceiver();
let base: string;

beforeAll(async () => {
  [stack, base] = await Promise.all([startStack(undefined, ENV), receiver.start()]);
  api = new Api(stack.baseUrl);
}, 90_000);
afterAll(async () => {
  await stack?.stop();
  await receiver.stop();
}, 30_000);

let paths = 0;
/** A receiver path of its own for each subscription, answering `status`. */
const target = (status: number | "hang" = 200) => {
  const path = `/hook-${++paths}`;
  receiver.answer(path, status);
  return { path, url: `${base}${path}` };
};

async function subscribe(who: TestUser, body: Record<string, unknown>) {
  const res = await api.post("/webhooks", body, { token: who.accessToken });
  expect(res.status).toBe(201);
  return res.body as { id: string; secret: string; url: string; events: string[]; projectId: string | null; enabled: boolean };
}
const received = (path: string, count = 1) => eventually(() => (receiver.on(path).length >= count ? receiver.on(path) : undefined), `${count} request(s) at ${path}`);
const deliveries = async (who: TestUser, id: string) => (await api.get(`/webhooks/${id}/deliveries`, { token: who.accessToken })).body.items as any[];
const verify = (secret: string, r: Received) => new Webhook(secret).verify(r.body, r.headers as Record<string, string>) as { type: string; timestamp: string; data: any };

describe("subscribing", () => {
  test("a subscription is created with its secret once, listed and read without it, changed and deleted", async () => {
    const alice = await api.newUser();
    const { url } = target();
    const created = await subscribe(alice, { url, events: ["task.created", "task.completed"] });
    expect(created).toEqual({
      id: expect.any(String),
      url,
      events: ["task.created", "task.completed"],
      projectId: null,
      enabled: true,
      disabledReason: null,
      consecutiveFailures: 0,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/=]{43,}$/),
    });
    expect(Buffer.from(created.secret.slice(6), "base64").length).toBeGreaterThanOrEqual(24);
    const listed = await api.get("/webhooks", { token: alice.accessToken });
    expect(listed.body.items.map((w: { id: string }) => w.id)).toEqual([created.id]);
    expect(JSON.stringify(listed.body)).not.toContain(created.secret);
    expect((await api.get(`/webhooks/${created.id}`, { token: alice.accessToken })).body).not.toHaveProperty("secret");
    // The same Idempotency-Key answers the first creation again, secret included, and creates nothing.
    const keyed = { token: alice.accessToken, headers: { "idempotency-key": "hook-1" } };
    const first = await api.post("/webhooks", { url, events: ["task.deleted"] }, keyed);
    const replay = await api.post("/webhooks", { url, events: ["task.deleted"] }, keyed);
    expect(first.status).toBe(201);
    expect(replay.body).toEqual(first.body);
    expect((await api.get("/webhooks", { token: alice.accessToken })).body.items).toHaveLength(2);
    expect((await api.delete(`/webhooks/${first.body.id}`, { token: alice.accessToken })).status).toBe(204);
    const patched = await api.patch(`/webhooks/${created.id}`, { events: ["task.deleted"], enabled: false }, { token: alice.accessToken });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ events: ["task.deleted"], enabled: false });
    expect((await api.delete(`/webhooks/${created.id}`, { token: alice.accessToken })).status).toBe(204);
    expectProblem(await api.get(`/webhooks/${created.id}`, { token: alice.accessToken }), 404);
  });

  test("private, loopback and link-local targets are refused (422) unless allow-listed", async () => {
    const bob = await api.newUser();
    for (const url of ["http://10.0.0.7/hook", "http://169.254.169.254/latest/meta-data/", "http://[::1]:8080/hook", "http://localhost:9/hook", "http://[::ffff:127.0.0.1]/hook"]) {
      const res = await api.post("/webhooks", { url, events: ["task.created"] }, { token: bob.accessToken });
      expectProblem(res, 422);
      expect(res.body.errors[0].path).toBe("body.url");
    }
    expect((await api.get("/webhooks", { token: bob.accessToken })).body.items).toEqual([]);
  });

  test("malformed input answers 422, and nothing is created", async () => {
    const carol = await api.newUser();
    const { url } = target();
    const bad = [
      { url: "ftp://127.0.0.1/hook", events: ["task.created"] },
      { url: "not a url", events: ["task.created"] },
      { url, events: [] },
      { url, events: ["task.exploded"] },
      { url, events: ["task.created"], projectId: "nope" },
      { url, events: ["task.created"], secret: "whsec_mine" },
      { url, events: ["task.created"], userId: carol.user.id },
      { url: `http://${"a".repeat(2100)}.com/`, events: ["task.created"] },
    ];
    for (const body of bad) expectProblem(await api.post("/webhooks", body, { token: carol.accessToken }), 422);
    const sub = await subscribe(carol, { url, events: ["task.created"] });
    expectProblem(await api.patch(`/webhooks/${sub.id}`, { url: "http://10.1.1.1/" }, { token: carol.accessToken }), 422);
    expectProblem(await api.patch(`/webhooks/${sub.id}`, { secret: "x" }, { token: carol.accessToken }), 422);
    expectProblem(await api.get("/webhooks/not-a-uuid", { token: carol.accessToken }), 422);
    expectProblem(await api.get(`/webhooks/${sub.id}/deliveries?cursor=forged`, { token: carol.accessToken }), 422);
    expectProblem(await api.post(`/webhooks/${sub.id}/deliveries/nope/redeliver`, undefined, { token: carol.accessToken }), 422);
    expect((await api.get("/webhooks", { token: carol.accessToken })).body.items).toHaveLength(1);
  });

  test("another user's subscription and deliveries are not found (404), whatever the route", async () => {
    const [owner, intruder] = [await api.newUser(), await api.newUser()];
    const { url, path } = target();
    const sub = await subscribe(owner, { url, events: ["task.created"] });
    await api.post("/tasks", { title: "Private" }, { token: owner.accessToken });
    await received(path);
    const [delivery] = await pollUntil(() => deliveries(owner, sub.id), (items) => items.length > 0);
    const as = { token: intruder.accessToken };
    expectProblem(await api.get(`/webhooks/${sub.id}`, as), 404);
    expectProblem(await api.patch(`/webhooks/${sub.id}`, { enabled: false }, as), 404);
    expectProblem(await api.get(`/webhooks/${sub.id}/deliveries`, as), 404);
    expectProblem(await api.post(`/webhooks/${sub.id}/deliveries/${delivery.id}/redeliver`, undefined, as), 404);
    expectProblem(await api.delete(`/webhooks/${sub.id}`, as), 404);
    expect((await api.get("/webhooks", as)).body.items).toEqual([]);
    expect((await api.get(`/webhooks/${sub.id}`, { token: owner.accessToken })).body.enabled).toBe(true);
  });

  test("personal access tokens need webhooks:write, for reads too", async () => {
    const dan = await api.newUser();
    const mint = async (scopes: string[]) => (await api.post("/me/tokens", { name: "ci", scopes }, { token: dan.accessToken })).body.token as string;
    const reader = await mint(["tasks:read", "tasks:write"]);
    const { url } = target();
    expectProblem(await api.post("/webhooks", { url, events: ["task.created"] }, { token: reader }), 403);
    expectProblem(await api.get("/webhooks", { token: reader }), 403);
    const writer = await mint(["webhooks:write"]);
    const created = await api.post("/webhooks", { url, events: ["task.created"] }, { token: writer });
    expect(created.status).toBe(201);
    expect((await api.get(`/webhooks/${created.body.id}`, { token: writer })).status).toBe(200);
    expectProblem(await api.get(`/webhooks/${created.body.id}`, { token: reader }), 403);
  });

  test("Meta's WhatsApp webhook still answers at /webhooks/whatsapp", async () => {
    const handshake = await api.get("/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=x&hub.challenge=1");
    expect(handshake.status).toBe(403);
    expect(handshake.headers.get("content-type")).toMatch(/^text\/plain/);
    expectProblem(await api.post("/webhooks/whatsapp", { entry: [] }), 401);
  });
});

describe("delivering", () => {
  test("task events arrive signed per Standard Webhooks, with the task as the API shows it; the log records them; redeliver sends again", async () => {
    const erin = await api.newUser();
    const { url, path } = target();
    const sub = await subscribe(erin, { url, events: ["task.created", "task.updated", "task.completed", "task.deleted"] });
    const task = (await api.post("/tasks", { title: "Water the plants" }, { token: erin.accessToken })).body;
    await api.patch(`/tasks/${task.id}`, { priority: "high" }, { token: erin.accessToken });
    await api.post(`/tasks/${task.id}/complete`, undefined, { token: erin.accessToken });
    await api.delete(`/tasks/${task.id}`, { token: erin.accessToken });
    await received(path, 4);
    // Every change is one delivery, each sent once (a change may touch the task twice: count the log).
    const log = await pollUntil(() => deliveries(erin, sub.id), (items) => items.length >= 4 && items.every((d) => d.status === "succeeded"));
    const got = await received(path, log.length);
    expect(got).toHaveLength(log.length);
    expect(new Set(got.map((r) => r.headers["webhook-id"]))).toEqual(new Set(log.map((d) => d.id)));
    const bodies = got.map((r) => verify(sub.secret, r));
    expect(new Set(bodies.map((b) => b.type))).toEqual(new Set(["task.completed", "task.created", "task.deleted", "task.updated"]));
    const created = bodies.find((b) => b.type === "task.created")!;
    expect(created.data).toEqual(task);
    expect(new Date(created.timestamp).toISOString()).toBe(created.timestamp);
    expect(bodies.find((b) => b.type === "task.deleted")!.data).toMatchObject({ id: task.id, projectId: null });
    expect(() => verify(`whsec_${Buffer.alloc(32, 7).toString("base64")}`, got[0]!)).toThrow();
    for (const r of got) expect(r.headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/=]+$/);

    expect(log[0]).toEqual({
      id: expect.any(String),
      event: expect.stringMatching(/^task\./),
      status: "succeeded",
      attempts: 1,
      responseStatus: 200,
      durationMs: expect.any(Number),
      lastError: null,
      nextAttemptAt: null,
      createdAt: expect.any(String),
      lastAttemptAt: expect.any(String),
    });

    const again = await api.post(`/webhooks/${sub.id}/deliveries/${log[0].id}/redeliver`, undefined, { token: erin.accessToken });
    expect(again.status).toBe(202);
    const resent = await received(path, got.length + 1);
    expect(resent[got.length]!.headers["webhook-id"]).toBe(log[0].id);
    expect(verify(sub.secret, resent[got.length]!)).toEqual(verify(sub.secret, got.find((r) => r.headers["webhook-id"] === log[0].id)!));
    const after = await pollUntil(() => deliveries(erin, sub.id), (items) => items.find((d) => d.id === log[0].id)?.attempts === 2);
    expect(after.find((d) => d.id === log[0].id)).toMatchObject({ status: "succeeded", attempts: 2 });
  });

  test("a project subscription gets the project's tasks and comments, from every member, and only what it asked for", async () => {
    const [owner, editor] = [await api.newUser(), await api.newUser()];
    const projectId = (await api.post("/projects", { name: "Garden" }, { token: owner.accessToken })).body.id;
    await share(api, owner, projectId, editor, "editor");
    const { url, path } = target();
    const sub = await subscribe(owner, { url, events: ["task.created", "comment.created"], projectId });
    const task = (await api.post("/tasks", { title: "Prune roses", projectId }, { token: editor.accessToken })).body;
    await api.post("/tasks", { title: "Not in the project" }, { token: owner.accessToken });
    const comment = (await api.post(`/tasks/${task.id}/comments`, { text: "Gloves are in the shed" }, { token: editor.accessToken })).body;
    const got = (await received(path, 2)).map((r) => verify(sub.secret, r));
    expect(got.map((b) => b.type).sort()).toEqual(["comment.created", "task.created"]);
    expect(got.find((b) => b.type === "task.created")!.data).toMatchObject({ id: task.id, projectId, ownerId: editor.user.id });
    expect(got.find((b) => b.type === "comment.created")!.data).toMatchObject({ id: comment.id, taskId: task.id, text: "Gloves are in the shed", authorId: editor.user.id });
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.on(path)).toHaveLength(2);
  });

  test("a failing target is retried with backoff and succeeds once it recovers; a hung one times out and recovers too", async () => {
    const frank = await api.newUser();
    const flaky = target(500);
    const sub = await subscribe(frank, { url: flaky.url, events: ["task.created"] });
    await api.post("/tasks", { title: "Retry me" }, { token: frank.accessToken });
    await received(flaky.path, 2);
    const failing = await deliveries(frank, sub.id);
    expect(failing[0]).toMatchObject({ status: "pending", responseStatus: 500, lastError: "answered 500" });
    expect(failing[0].attempts).toBeGreaterThanOrEqual(1);
    receiver.answer(flaky.path, 200);
    const [done] = await pollUntil(() => deliveries(frank, sub.id), (items) => items[0]?.status === "succeeded");
    expect(done).toMatchObject({ status: "succeeded", responseStatus: 200, lastError: null });
    expect(done.attempts).toBeGreaterThanOrEqual(3);

    const slow = target("hang");
    await api.patch(`/webhooks/${sub.id}`, { url: slow.url }, { token: frank.accessToken });
    await api.post("/tasks", { title: "Slow receiver" }, { token: frank.accessToken });
    await received(slow.path, 1);
    const [timedOut] = await pollUntil(() => deliveries(frank, sub.id), (items) => items[0]?.attempts >= 1);
    expect(timedOut).toMatchObject({ status: "pending", responseStatus: null, lastError: "timed out after 500 ms" });
    receiver.answer(slow.path, 204);
    const [recovered] = await pollUntil(() => deliveries(frank, sub.id), (items) => items[0]?.status === "succeeded");
    expect(recovered).toMatchObject({ status: "succeeded", responseStatus: 204 });
  });

  test("after a run of deliveries that fail for good the subscription is disabled and its owner notified; re-enabling resets it", async () => {
    const gina = await api.newUser();
    const dead = target(503);
    const sub = await subscribe(gina, { url: dead.url, events: ["task.created"] });
    for (let i = 0; i < 3; i++) await api.post("/tasks", { title: `Doomed ${i}` }, { token: gina.accessToken });
    const disabled = await pollUntil(
      async () => (await api.get(`/webhooks/${sub.id}`, { token: gina.accessToken })).body,
      (w) => w.enabled === false,
      20_000,
    );
    expect(disabled).toMatchObject({ enabled: false, consecutiveFailures: 3, disabledReason: expect.stringContaining("3 deliveries in a row") });
    const log = await deliveries(gina, sub.id);
    expect(log.map((d) => d.status)).toEqual(["failed", "failed", "failed"]);
    for (const d of log) expect(d.attempts).toBeGreaterThanOrEqual(3);
    const notices = await pollUntil(
      async () => (await api.get("/notifications", { token: gina.accessToken })).body.items as any[],
      (items) => items.some((n) => n.kind === "webhook.disabled"),
    );
    const notice = notices.find((n) => n.kind === "webhook.disabled");
    expect(notice).toMatchObject({ kind: "webhook.disabled", taskId: null, title: expect.stringContaining(sub.id) });
    expect(notices.filter((n) => n.kind === "webhook.disabled")).toHaveLength(1);

    // Disabled: new events are not delivered, and redelivery asks to enable first.
    const before = receiver.on(dead.path).length;
    await api.post("/tasks", { title: "While disabled" }, { token: gina.accessToken });
    expectProblem(await api.post(`/webhooks/${sub.id}/deliveries/${log[0].id}/redeliver`, undefined, { token: gina.accessToken }), 409);
    receiver.answer(dead.path, 200);
    const enabled = await api.patch(`/webhooks/${sub.id}`, { enabled: true }, { token: gina.accessToken });
    expect(enabled.body).toMatchObject({ enabled: true, consecutiveFailures: 0, disabledReason: null });
    expect((await api.post(`/webhooks/${sub.id}/deliveries/${log[0].id}/redeliver`, undefined, { token: gina.accessToken })).status).toBe(202);
    await received(dead.path, before + 1);
    const [redone] = (await pollUntil(() => deliveries(gina, sub.id), (items) => items.find((d) => d.id === log[0].id)?.status === "succeeded")).filter((d) => d.id === log[0].id);
    expect(redone.status).toBe("succeeded");
    expect(await deliveries(gina, sub.id)).toHaveLength(3);
  });
});

describe("erasing", () => {
  test("deleting the account erases its subscriptions and their deliveries (checked in the database in distributed mode)", async () => {
    const hank = await api.newUser();
    const { url, path } = target();
    const sub = await subscribe(hank, { url, events: ["task.created", "task.deleted"] });
    await api.post("/tasks", { title: "Before leaving" }, { token: hank.accessToken });
    await received(path);
    expect((await api.request("DELETE", "/me", { password: hank.password }, { token: hank.accessToken })).status).toBe(204);
    expectProblem(await api.get(`/webhooks/${sub.id}`, { token: hank.accessToken }), 401);
    if (stack.mode !== "distributed") return;
    const db = new Client({ connectionString: stack.env.DATABASE_URL });
    await db.connect();
    try {
      const left = await pollUntil(
        async () => (await db.query("select (select count(*) from notify.webhook_subscriptions where user_id = $1) + (select count(*) from notify.webhook_deliveries where subscription_id = $2) as n", [hank.user.id, sub.id])).rows[0].n,
        (n) => Number(n) === 0,
      );
      expect(Number(left)).toBe(0);
    } finally {
      await db.end();
    }
  });
});

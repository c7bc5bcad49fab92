import { randomUUID } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { packAbility } from "../../../libs/authz";
import { ManualClock } from "../../../libs/clock";
import { TaskDto, TaskEvent, taskEventSchema } from "../../../libs/contracts";
import { CursorCodec } from "../../../libs/task-query";
import { postgresDb } from "../../../test/support/db";
import { seeded, randomTasks } from "../../../test/support/task-fixtures";
import { WebhookReceiver } from "../../../test/support/webhook-receiver";
import { MembershipStore } from "../memberships";
import { migrations, NOTIFY_SCHEMA } from "../migrations";
import { DeliveryQueue } from "./delivery-queue";
import { WebhookDispatcher } from "./dispatcher";
import { WebhookFanOut } from "./fan-out";
import { WebhookSender } from "./sender";
import { DELIVERIES, SUBSCRIPTIONS, WebhookSubscriptions } from "./subscriptions";

let pg: Awaited<ReturnType<typeof postgresDb>>;
// Starts at the wall time: receivers (standardwebhooks verify) refuse a timestamp more than 5 min off.
const clock = new ManualClock(new Date());
const receiver = new WebhookReceiver();
let base: string;
let subs: WebhookSubscriptions;
let fanOut: WebhookFanOut;
let members: MembershipStore;
const options = { baseMs: 5_000, horizonMs: 24 * 3600_000, leaseMs: 40_000, disableAfterFailures: 3 };
const rand = seeded(18);

beforeAll(async () => {
  pg = await postgresDb(6, { schema: NOTIFY_SCHEMA, migrations });
  base = await receiver.start();
  subs = new WebhookSubscriptions(pg.db, clock, new CursorCodec("db-test-cursor-secret-long-enough-0123456789", clock), { allowedHosts: ["127.0.0.1"] });
  fanOut = new WebhookFanOut(pg.db, clock);
  members = new MembershipStore(pg.db);
});
afterAll(async () => {
  await receiver.stop();
  await pg.close();
});

const task = (ownerId: string, projectId: string | null = null): TaskDto => ({ ...randomTasks(1, ownerId, rand)[0]!, projectId });
const event = (type: TaskEvent["type"], t: TaskDto, version = t.version): TaskEvent =>
  taskEventSchema.parse({ key: randomUUID(), type, taskId: t.id, ownerId: t.ownerId, version, occurredAt: clock.now().toISOString(), timezone: "UTC", task: type === "task.deleted" ? null : { ...t, version } });
const deliveriesOf = (subscriptionId: string) => pg.db(DELIVERIES).where({ subscription_id: subscriptionId }).orderBy("seq");
const grant = (projectId: string, userId: string, role: "owner" | "editor" | "viewer" | null, version: number) =>
  members.apply({ key: randomUUID(), projectId, userId, role, version });

test("a personal subscription gets its owner's tasks only, once per event key however often the event comes", async () => {
  const [me, other] = [randomUUID(), randomUUID()];
  const sub = await subs.create(packAbility({ id: me, roles: ["member"] }), { url: `${base}/mine`, events: ["task.created", "task.deleted"] });
  expect(sub.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
  const mine = task(me);
  const created = event("task.created", mine);
  expect(await fanOut.onTask(created)).toBe(1);
  expect(await fanOut.onTask(created)).toBe(0);
  expect(await fanOut.onTask(event("task.updated", mine, 2))).toBe(0); // not subscribed to updates
  expect(await fanOut.onTask(event("task.created", task(other)))).toBe(0);
  const rows = await deliveriesOf(sub.id);
  expect(rows).toHaveLength(1);
  expect(rows[0].body).toEqual({ type: "task.created", timestamp: created.occurredAt, data: created.task });
});

test("project subscriptions follow membership; a deleted task's project is the one last seen; a removed member gets nothing", async () => {
  const [owner, project] = [randomUUID(), randomUUID()];
  await grant(project, owner, "owner", 1);
  const auth = packAbility({ id: owner, roles: ["member"] }, [{ projectId: project, role: "owner" }]);
  const sub = await subs.create(auth, { url: `${base}/project`, events: ["task.created", "task.deleted", "comment.created"], projectId: project });
  const someone = randomUUID();
  const t = task(someone, project);
  expect(await fanOut.onTask(event("task.created", t))).toBe(1);
  expect(await fanOut.onTask(event("task.deleted", t, 2))).toBe(1);
  const [, deleted] = await deliveriesOf(sub.id);
  expect(deleted.body.data).toMatchObject({ id: t.id, projectId: project, version: 2 });
  // Editors and viewers may not subscribe to the project; outsiders do not see it.
  await expect(subs.create(packAbility({ id: someone, roles: ["member"] }, [{ projectId: project, role: "editor" }]), { url: `${base}/x`, events: ["task.created"], projectId: project })).rejects.toMatchObject({ code: 403 });
  await expect(subs.create(packAbility({ id: someone, roles: ["member"] }), { url: `${base}/x`, events: ["task.created"], projectId: project })).rejects.toMatchObject({ code: 404 });
  // The owner leaves (ownership handed over): no more events.
  await grant(project, owner, null, 2);
  expect(await fanOut.onTask(event("task.created", task(someone, project)))).toBe(0);
});

test("SSRF: private targets are refused at subscription time unless allow-listed", async () => {
  const auth = packAbility({ id: randomUUID(), roles: ["member"] });
  for (const url of ["http://10.0.0.1/x", "http://169.254.169.254/latest/meta-data", "http://[::1]/x", "http://localhost/x"]) {
    await expect(subs.create(auth, { url, events: ["task.created"] })).rejects.toMatchObject({ code: 422 });
  }
});

test("claims are exclusive across replicas (SKIP LOCKED), bounded per target, and come back when a claimant's lease runs out", async () => {
  const me = randomUUID();
  const sub = await subs.create(packAbility({ id: me, roles: ["member"] }), { url: `${base}/claims`, events: ["task.created"] });
  for (let i = 0; i < 10; i++) await fanOut.onTask(event("task.created", task(me)));
  await pg.db(DELIVERIES).whereNot({ subscription_id: sub.id }).update({ status: "succeeded" });
  const a = new DeliveryQueue(pg.db, clock, options);
  const b = new DeliveryQueue(pg.db, clock, options);
  const [first, second] = await Promise.all([a.claim(6, 6, new Map()), b.claim(6, 6, new Map())]);
  const ids = (rows: { id: string }[]) => rows.map((r) => r.id);
  expect(first.length + second.length).toBeGreaterThan(0);
  expect(new Set([...ids(first), ...ids(second)]).size).toBe(first.length + second.length);
  const rest = [...(await a.claim(6, 6, new Map())), ...(await b.claim(6, 6, new Map()))];
  expect(new Set([...ids(first), ...ids(second), ...ids(rest)]).size).toBe(10);
  // Per target: a subscription with 3 in flight gets at most 1 more at a bound of 4.
  expect(await a.claim(10, 4, new Map())).toHaveLength(0); // all are leased
  clock.advance(options.leaseMs + 1);
  expect(await a.claim(10, 4, new Map([[sub.id, 3]]))).toHaveLength(1);
  await pg.db(DELIVERIES).where({ subscription_id: sub.id }).update({ status: "succeeded" });
});

test("a delivery is signed per Standard Webhooks, retried with backoff, and a run of failures disables the subscription once, telling its owner", async () => {
  const me = randomUUID();
  const sub = await subs.create(packAbility({ id: me, roles: ["member"] }), { url: `${base}/flaky`, events: ["task.created"] });
  const queue = new DeliveryQueue(pg.db, clock, options);
  const disabled: string[] = [];
  const sender = new WebhookSender({ timeoutMs: 2_000, allowedHosts: ["127.0.0.1"] });
  const dispatcher = new WebhookDispatcher(
    { queue, clock, send: (r) => sender.send(r), onDisabled: async (s) => void disabled.push(s.id), wake: () => {}, onError: (e) => { throw e; } },
    { concurrency: 4, concurrencyPerTarget: 4, idleMs: 100 },
  );
  const run = async () => {
    await dispatcher.runOnce();
    await dispatcher.drain();
  };
  // Success first: the body verifies with the secret.
  const t = task(me);
  await fanOut.onTask(event("task.created", t));
  await run();
  const [ok] = receiver.on("/flaky");
  const verified = new Webhook(sub.secret).verify(ok!.body, ok!.headers as Record<string, string>) as { type: string; data: TaskDto };
  expect(verified).toMatchObject({ type: "task.created", data: { id: t.id } });
  const [okRow] = await deliveriesOf(sub.id);
  expect(okRow).toMatchObject({ status: "succeeded", attempts: 1, response_status: 200 });
  expect(ok!.headers["webhook-id"]).toBe(okRow.id);

  // Failures: pending with a growing wait, until the horizon; then failed for good.
  receiver.answer("/flaky", 500);
  for (let i = 0; i < 3; i++) await fanOut.onTask(event("task.created", task(me)));
  await run();
  let rows = (await deliveriesOf(sub.id)).slice(1);
  expect(rows.map((r) => [r.status, r.attempts, r.response_status])).toEqual(Array(3).fill(["pending", 1, 500]));
  const wait = new Date(rows[0].next_attempt_at).getTime() - clock.now().getTime();
  expect(wait).toBeGreaterThanOrEqual(4_000);
  expect(wait).toBeLessThanOrEqual(6_000);
  for (let guard = 0; guard < 20 && rows.some((r) => r.status === "pending"); guard++) {
    clock.advance(13 * 3600_000);
    await run();
    rows = (await deliveriesOf(sub.id)).slice(1);
  }
  expect(rows.map((r) => r.status)).toEqual(["failed", "failed", "failed"]);
  expect(rows[0].attempts).toBeGreaterThanOrEqual(3);
  expect(disabled).toEqual([sub.id]);
  const after = await subs.get(me, sub.id);
  expect(after).toMatchObject({ enabled: false, consecutiveFailures: 3 });
  expect(after.disabledReason).toMatch(/3 deliveries in a row/);

  // Re-enabled, redelivered and answered: the run is over.
  receiver.answer("/flaky", 200);
  await expect(subs.redeliver(me, sub.id, rows[0].id)).rejects.toMatchObject({ code: 409 });
  expect(await subs.update(me, sub.id, { enabled: true })).toMatchObject({ enabled: true, consecutiveFailures: 0, disabledReason: null });
  await subs.redeliver(me, sub.id, rows[0].id);
  await run();
  expect((await pg.db(DELIVERIES).where({ id: rows[0].id }).first()).status).toBe("succeeded");
  expect(receiver.on("/flaky").filter((r) => r.headers["webhook-id"] === rows[0].id).length).toBeGreaterThanOrEqual(2);
  sender.close();
});

test("each attempt checks the target again and connects to the address it checked (no rebinding)", async () => {
  const port = new URL(base).port;
  const body = JSON.stringify({ type: "task.created" });
  const req = { secret: `whsec_${Buffer.alloc(32, 1).toString("base64")}`, messageId: randomUUID(), body, at: new Date() };
  // A name that resolves to loopback, not allow-listed: refused before any connection.
  const strict = new WebhookSender({ timeoutMs: 1_000, allowedHosts: [] });
  const before = receiver.on("/rebind").length;
  expect(await strict.send({ ...req, url: `http://localhost:${port}/rebind` })).toMatchObject({ ok: false, status: null, error: expect.stringMatching(/^refused: .*127\.0\.0\.1|^refused: .*::1/) });
  // A name only our resolver knows: the request reaches the address it answered, never a second lookup's.
  const pinned = new WebhookSender({ timeoutMs: 1_000, allowedHosts: ["hook.invalid"], resolve: async () => [{ address: "127.0.0.1", family: 4 }] });
  expect(await pinned.send({ ...req, url: `http://hook.invalid:${port}/rebind` })).toMatchObject({ ok: true, status: 200 });
  const got = receiver.on("/rebind");
  expect(got).toHaveLength(before + 1);
  expect(got[got.length - 1]!.headers.host).toBe(`hook.invalid:${port}`);
  // Redirects are failures, not followed.
  receiver.answer("/moved", 302);
  expect(await pinned.send({ ...req, url: `http://hook.invalid:${port}/moved` })).toMatchObject({ ok: false, status: 302, error: expect.stringContaining("redirects are not followed") });
  strict.close();
  pinned.close();
});

test("a hung target times out and counts as a failed attempt", async () => {
  const me = randomUUID();
  const sub = await subs.create(packAbility({ id: me, roles: ["member"] }), { url: `${base}/hang`, events: ["task.created"] });
  receiver.answer("/hang", "hang");
  const sender = new WebhookSender({ timeoutMs: 300, allowedHosts: ["127.0.0.1"] });
  const queue = new DeliveryQueue(pg.db, clock, options);
  await fanOut.onTask(event("task.created", task(me)));
  const [claimed] = (await queue.claim(10, 10, new Map())).filter((c) => c.subscriptionId === sub.id);
  const result = await sender.send({ url: claimed!.url, secret: claimed!.secret, messageId: claimed!.id, body: claimed!.body, at: clock.now() });
  expect(result).toMatchObject({ ok: false, status: null, error: "timed out after 300 ms" });
  await queue.settle(claimed!, result, clock.now());
  expect((await deliveriesOf(sub.id))[0]).toMatchObject({ status: "pending", attempts: 1, last_error: "timed out after 300 ms" });
  sender.close();
});

test("the delivery log pages newest first with signed cursors; another user sees none of it", async () => {
  const me = randomUUID();
  const sub = await subs.create(packAbility({ id: me, roles: ["member"] }), { url: `${base}/log`, events: ["task.created"] });
  for (let i = 0; i < 5; i++) await fanOut.onTask(event("task.created", task(me)));
  const first = await subs.deliveries(me, sub.id, 3);
  expect(first.items).toHaveLength(3);
  const second = await subs.deliveries(me, sub.id, 3, first.nextCursor!);
  expect(second).toMatchObject({ nextCursor: null });
  expect(new Set([...first.items, ...second.items].map((d) => d.id)).size).toBe(5);
  await expect(subs.deliveries(randomUUID(), sub.id, 3)).rejects.toMatchObject({ code: 404 });
  await expect(subs.deliveries(me, sub.id, 3, "forged")).rejects.toMatchObject({ code: 422 });
});

test("settled deliveries older than the retention are purged; pending ones stay", async () => {
  const me = randomUUID();
  const sub = await subs.create(packAbility({ id: me, roles: ["member"] }), { url: `${base}/old`, events: ["task.created"] });
  for (let i = 0; i < 3; i++) await fanOut.onTask(event("task.created", task(me)));
  const [first] = await deliveriesOf(sub.id);
  await pg.db(DELIVERIES).where({ id: first.id }).update({ status: "succeeded" });
  clock.advance(31 * 24 * 3600_000);
  const queue = new DeliveryQueue(pg.db, clock, options);
  expect(await queue.purge(new Date(clock.now().getTime() - 30 * 24 * 3600_000))).toBeGreaterThanOrEqual(1);
  expect((await deliveriesOf(sub.id)).map((d) => d.status)).toEqual(["pending", "pending"]);
  await pg.db(DELIVERIES).where({ subscription_id: sub.id }).update({ status: "failed" });
});

test("erasing a user removes their subscriptions and deliveries", async () => {
  const me = randomUUID();
  const sub = await subs.create(packAbility({ id: me, roles: ["member"] }), { url: `${base}/gone`, events: ["task.created"] });
  await fanOut.onTask(event("task.created", task(me)));
  await subs.erase(me);
  expect(await pg.db(SUBSCRIPTIONS).where({ user_id: me })).toHaveLength(0);
  expect(await deliveriesOf(sub.id)).toHaveLength(0);
});

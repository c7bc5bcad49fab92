import { packAbility } from "../../libs/authz";
import { ManualClock } from "../../libs/clock";
import { createTaskInput, listTasksQuery, updateTaskInput } from "../../libs/contracts";
import { postgresDb } from "../../test/support/db";
import { migrations, TASKS_SCHEMA } from "./migrations";
import { CursorCodec } from "../../libs/task-query";
import { TaskLister } from "./task-list";
import { TaskWriter } from "./task-writer";
import { TaskRecurrence } from "./task-recurrence";
import { TaskStore } from "./task-store";

const ALICE = packAbility({ id: "00000000-0000-4000-8000-00000000000a", roles: ["member"] });
const BOB = packAbility({ id: "00000000-0000-4000-8000-00000000000b", roles: ["member"] });
const ADMIN = packAbility({ id: "00000000-0000-4000-8000-0000000000ad", roles: ["member", "admin"] });

let pg: Awaited<ReturnType<typeof postgresDb>>;
let store: TaskStore;
let recurrence: TaskRecurrence;
let committed = 0;
const clock = new ManualClock(new Date("2026-03-01T10:00:00Z"));

beforeAll(async () => {
  pg = await postgresDb(5, { schema: TASKS_SCHEMA, migrations });
  const writer = new TaskWriter(pg.db, clock, () => committed++);
  store = new TaskStore(writer);
  recurrence = new TaskRecurrence(writer);
});
afterAll(() => pg.close());

const create = (body: Record<string, unknown>, auth = ALICE, key?: string) => store.create(auth, createTaskInput.parse(body), key);
const outbox = () => pg.db(`${TASKS_SCHEMA}.outbox`).orderBy("id").select("channel", "payload");

test("create stores the task for its caller and writes a task.created event in the same commit", async () => {
  await pg.db(`${TASKS_SCHEMA}.outbox`).delete();
  const before = committed;
  const task = await create({ title: "Pay rent", priority: "high", tags: ["Home"] });
  expect(task).toMatchObject({ ownerId: ALICE.userId, priority: "high", tags: ["home"], version: 1, createdAt: "2026-03-01T10:00:00.000Z" });
  expect(committed).toBe(before + 1);
  const events = await outbox();
  expect(events).toEqual([{ channel: "task.created", payload: expect.objectContaining({ type: "task.created", taskId: task.id, version: 1, task }) }]);
});

test("others never see, change, complete or delete a task: 404, and nothing is written", async () => {
  const task = await create({ title: "Private" });
  await pg.db(`${TASKS_SCHEMA}.outbox`).delete();
  for (const auth of [BOB, ADMIN]) {
    await expect(store.get(auth, task.id)).rejects.toMatchObject({ type: "NOT_FOUND" });
    await expect(store.update(auth, task.id, updateTaskInput.parse({ title: "x" }))).rejects.toMatchObject({ type: "NOT_FOUND" });
    await expect(recurrence.complete(auth, task.id)).rejects.toMatchObject({ type: "NOT_FOUND" });
    await expect(store.remove(auth, task.id)).rejects.toMatchObject({ type: "NOT_FOUND" });
    const page = await lister().list(auth, listTasksQuery.parse({}));
    expect(page.items.map((t) => t.id)).not.toContain(task.id);
  }
  expect(await outbox()).toEqual([]);
  expect(await store.get(ALICE, task.id)).toEqual(task);
});

test("update checks the expected version and moves completedAt with the status", async () => {
  const task = await create({ title: "Draft" });
  await expect(store.update(ALICE, task.id, updateTaskInput.parse({ title: "x" }), 2)).rejects.toMatchObject({ type: "PRECONDITION_FAILED", code: 412 });
  clock.advance(60_000);
  const done = await store.update(ALICE, task.id, updateTaskInput.parse({ status: "done" }), 1);
  expect(done).toMatchObject({ status: "done", version: 2, completedAt: "2026-03-01T10:01:00.000Z", updatedAt: "2026-03-01T10:01:00.000Z" });
  const reopened = await store.update(ALICE, task.id, updateTaskInput.parse({ status: "todo" }));
  expect(reopened).toMatchObject({ status: "todo", version: 3, completedAt: null });
});

test("the same idempotency key creates once; a different body with it is refused", async () => {
  const first = await create({ title: "Once" }, ALICE, "k1");
  const again = await create({ title: "Once" }, ALICE, "k1");
  expect(again).toEqual(first);
  // The replay created nothing: one task, one event.
  expect((await outbox()).filter((r) => r.payload.taskId === first.id)).toHaveLength(1);
  await expect(create({ title: "Other" }, ALICE, "k1")).rejects.toMatchObject({ type: "VALIDATION" });
  const bobs = await create({ title: "Once" }, BOB, "k1");
  expect(bobs.id).not.toBe(first.id);
  // After 24 h the key may be used afresh.
  clock.advance(24 * 3600_000 + 1);
  const later = await create({ title: "Other" }, ALICE, "k1");
  expect(later.id).not.toBe(first.id);
});

test("complete records one completion and a retried request replays it", async () => {
  const task = await create({ title: "Water plants", dueAt: "2026-03-02T08:00:00Z" });
  const first = await recurrence.complete(ALICE, task.id);
  expect(first.completion).toEqual({ occurrenceAt: "2026-03-02T08:00:00.000Z", completedAt: clock.now().toISOString() });
  clock.advance(5_000);
  expect(await recurrence.complete(ALICE, task.id)).toEqual(first);
  expect(await recurrence.completions(ALICE, task.id)).toEqual([first.completion]);
});

test("delete removes the task and publishes task.deleted with a higher version", async () => {
  const task = await create({ title: "Temporary" });
  await pg.db(`${TASKS_SCHEMA}.outbox`).delete();
  await store.remove(ALICE, task.id);
  await expect(store.get(ALICE, task.id)).rejects.toMatchObject({ type: "NOT_FOUND" });
  const [event] = await outbox();
  expect(event).toEqual({ channel: "task.deleted", payload: expect.objectContaining({ taskId: task.id, version: 2, task: null }) });
});

test("list pages by keyset without gaps while tasks are inserted between pages", async () => {
  const carol = packAbility({ id: "00000000-0000-4000-8000-00000000000c", roles: ["member"] });
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) {
    clock.advance(1_000);
    ids.push((await create({ title: `T${i}` }, carol)).id);
  }
  const first = await lister().list(carol, listTasksQuery.parse({ limit: "2" }));
  clock.advance(1_000);
  ids.push((await create({ title: "late" }, carol)).id);
  const rest = await lister().list(carol, listTasksQuery.parse({ limit: "10", cursor: first.nextCursor }));
  expect([...first.items, ...rest.items].map((t) => t.id)).toEqual(ids);
  expect(rest.nextCursor).toBeNull();
  await expect(lister().list(carol, listTasksQuery.parse({ cursor: first.nextCursor, sort: "-createdAt" }))).rejects.toMatchObject({ type: "VALIDATION" });
  await expect(lister().list(carol, listTasksQuery.parse({ cursor: "Zm9v" }))).rejects.toMatchObject({ type: "VALIDATION" });
});

const lister = () => new TaskLister(pg.db, new CursorCodec("cursor-secret-for-tests-0123456789abcdef", clock), clock);

test("CalDAV's create names the id and keeps unmodelled properties; update replaces or clears them; a taken id is a conflict", async () => {
  const id = "00000000-0000-4000-8000-0000000da001";
  const kept = JSON.stringify({ lines: ["LOCATION:Desk"] });
  const task = await store.create(ALICE, createTaskInput.parse({ title: "From a client" }), undefined, { id, davProperties: kept });
  expect(task).toMatchObject({ id, davProperties: kept, version: 1 });
  expect((await store.get(ALICE, id)).davProperties).toBe(kept);
  const changed = await store.update(ALICE, id, updateTaskInput.parse({ title: "Edited" }), 1, JSON.stringify({ lines: ["URL:https://x"] }));
  expect(changed).toMatchObject({ title: "Edited", davProperties: '{"lines":["URL:https://x"]}', version: 2 });
  const cleared = await store.update(ALICE, id, updateTaskInput.parse({ title: "Plain" }), 2, null);
  expect(cleared.davProperties).toBeUndefined();
  // An API update leaves them alone.
  await store.update(ALICE, id, updateTaskInput.parse({ title: "API" }), undefined, JSON.stringify({ lines: ["X-A:1"] }));
  expect((await store.update(ALICE, id, updateTaskInput.parse({ priority: "low" }))).davProperties).toBe('{"lines":["X-A:1"]}');
  // The id is taken, whoever can see it.
  await expect(store.create(BOB, createTaskInput.parse({ title: "Steal" }), undefined, { id })).rejects.toMatchObject({ code: 409 });
});

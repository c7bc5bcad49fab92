import { packAbility } from "../../libs/authz";
import { ManualClock } from "../../libs/clock";
import { createTaskInput, reminderInput, updateTaskInput } from "../../libs/contracts";
import { postgresDb } from "../../test/support/db";
import { migrations, TASKS_SCHEMA } from "./migrations";
import { TaskWriter } from "./task-writer";
import { TaskRecurrence } from "./task-recurrence";
import { TaskReminders } from "./task-reminders";
import { TaskStore } from "./task-store";

const ALICE = packAbility({ id: "00000000-0000-4000-8000-00000000000a", roles: ["member"], timezone: "Europe/Berlin" });
const BOB = packAbility({ id: "00000000-0000-4000-8000-00000000000b", roles: ["member"] });
const clock = new ManualClock(new Date("2026-03-27T10:00:00Z"));
let pg: Awaited<ReturnType<typeof postgresDb>>;
let store: TaskStore;
let recurrence: TaskRecurrence;
let reminders: TaskReminders;

beforeAll(async () => {
  pg = await postgresDb(5, { schema: TASKS_SCHEMA, migrations });
  const writer = new TaskWriter(pg.db, clock, () => undefined);
  store = new TaskStore(writer);
  recurrence = new TaskRecurrence(writer);
  reminders = new TaskReminders(writer);
});
afterAll(() => pg.close());

const daily = (extra: Record<string, unknown> = {}) =>
  store.create(ALICE, createTaskInput.parse({ title: "Stand-up", dueAt: "2026-03-28T08:00:00Z", recurrence: { rrule: "FREQ=DAILY", ...extra } }));

test("a recurring task keeps its owner's zone and its wall-clock time across the DST change", async () => {
  const task = await daily();
  expect(task.recurrence).toEqual({ rrule: "FREQ=DAILY", timezone: "Europe/Berlin", from: "due", exdates: [], text: "every day at 09:00" });
  // 09:00 in Berlin: 08:00Z before 29 March, 07:00Z after.
  expect(await recurrence.occurrences(ALICE, task.id, 3)).toEqual(["2026-03-28T08:00:00.000Z", "2026-03-29T07:00:00.000Z", "2026-03-30T07:00:00.000Z"]);
});

test("completing moves to the next occurrence and keeps the history; a retry naming the occurrence records once", async () => {
  const task = await daily();
  const first = await recurrence.complete(ALICE, task.id, "2026-03-28T08:00:00Z");
  expect(first.completion.occurrenceAt).toBe("2026-03-28T08:00:00.000Z");
  expect(first.task).toMatchObject({ status: "todo", dueAt: "2026-03-29T07:00:00.000Z", completedAt: null, version: 2 });
  const retry = await recurrence.complete(ALICE, task.id, "2026-03-28T08:00:00Z");
  expect(retry.task.version).toBe(2);
  expect(retry.completion).toEqual(first.completion);
  await expect(recurrence.complete(ALICE, task.id, "2026-04-05T07:00:00Z")).rejects.toMatchObject({ type: "VALIDATION" });
  await recurrence.complete(ALICE, task.id);
  expect((await recurrence.completions(ALICE, task.id)).map((c) => c.occurrenceAt)).toEqual(["2026-03-29T07:00:00.000Z", "2026-03-28T08:00:00.000Z"]);
});

test("after the last occurrence (COUNT) the task is done", async () => {
  const task = await daily({ rrule: "FREQ=DAILY;COUNT=2" });
  expect((await recurrence.complete(ALICE, task.id)).task.status).toBe("todo");
  const last = await recurrence.complete(ALICE, task.id);
  expect(last.task).toMatchObject({ status: "done", dueAt: "2026-03-29T07:00:00.000Z" });
});

test("from completion: the next due date counts from when it was done", async () => {
  const task = await daily({ rrule: "FREQ=DAILY;INTERVAL=3", from: "completion" });
  clock.set("2026-04-02T15:00:00Z");
  const done = await recurrence.complete(ALICE, task.id);
  expect(done.task.dueAt).toBe("2026-04-05T07:00:00.000Z");
  clock.set("2026-03-27T10:00:00Z");
});

test("bad rules and reminders are refused naming what is wrong", async () => {
  await expect(store.create(ALICE, createTaskInput.parse({ title: "x", recurrence: { rrule: "FREQ=DAILY" } }))).rejects.toMatchObject({
    type: "VALIDATION",
    data: { errors: [{ path: "body.dueAt" }] },
  });
  await expect(
    store.create(ALICE, createTaskInput.parse({ title: "x", dueAt: "2026-03-28T08:00:00Z", recurrence: { rrule: "FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=2" } })),
  ).rejects.toMatchObject({ type: "VALIDATION" });
  await expect(store.create(ALICE, createTaskInput.parse({ title: "x", reminders: [{ offset: "-PT15M" }] }))).rejects.toMatchObject({
    type: "VALIDATION",
    data: { errors: [{ path: "body.reminders.0.offset" }] },
  });
});

test("reminders: added, kept by id on replace, removed; other users get 404", async () => {
  const task = await store.create(ALICE, createTaskInput.parse({ title: "Dentist", dueAt: "2026-04-01T08:00:00Z", reminders: [{ offset: "-P1D" }] }));
  const kept = task.reminders[0]!;
  const added = await reminders.add(ALICE, task.id, reminderInput.parse({ at: "2026-03-31T18:00:00Z", channels: ["sse", "whatsapp"] }));
  expect(added).toMatchObject({ at: "2026-03-31T18:00:00.000Z", channels: ["sse", "whatsapp"] });
  const replaced = await store.update(ALICE, task.id, updateTaskInput.parse({ reminders: [{ id: kept.id, offset: "-PT1H" }] }));
  expect(replaced.reminders).toEqual([{ id: kept.id, offset: "-PT1H", channels: ["sse"] }]);
  await expect(reminders.remove(BOB, task.id, kept.id)).rejects.toMatchObject({ type: "NOT_FOUND" });
  await reminders.remove(ALICE, task.id, kept.id);
  expect((await store.get(ALICE, task.id)).reminders).toEqual([]);
  await expect(reminders.remove(ALICE, task.id, kept.id)).rejects.toMatchObject({ type: "NOT_FOUND" });
});

import { randomUUID } from "node:crypto";
import { ManualClock } from "../../libs/clock";
import type { ReminderDueEvent, TaskDto, TaskEvent } from "../../libs/contracts";
import { openDatabase } from "../../libs/db";
import { postgresDb } from "../../test/support/db";
import { migrations, SCHEDULER_SCHEMA } from "./migrations";
import { ReminderScheduler } from "./reminder-scheduler";

const OWNER = "00000000-0000-4000-8000-00000000000a";
const clock = new ManualClock(new Date("2026-03-28T12:00:00Z"));
let pg: Awaited<ReturnType<typeof postgresDb>>;
let scheduler: ReminderScheduler;

beforeAll(async () => {
  pg = await postgresDb(5, { schema: SCHEDULER_SCHEMA, migrations });
  scheduler = new ReminderScheduler(pg.db, clock);
});
afterAll(() => pg.close());
beforeEach(async () => {
  await pg.db(`${SCHEDULER_SCHEMA}.jobs`).delete();
  await pg.db(`${SCHEDULER_SCHEMA}.outbox`).delete();
});

function taskEvent(version: number, task: Partial<TaskDto> | null, overrides: Partial<TaskEvent> = {}): TaskEvent {
  const id = overrides.taskId ?? "10000000-0000-4000-8000-000000000001";
  return {
    key: randomUUID(),
    type: task ? "task.updated" : "task.deleted",
    taskId: id,
    ownerId: OWNER,
    version,
    occurredAt: clock.now().toISOString(),
    timezone: "Europe/Berlin",
    task: task && ({ id, ownerId: OWNER, title: "Pay rent", status: "todo", dueAt: null, reminders: [], ...task } as TaskDto),
    ...overrides,
  };
}

const pending = () => pg.db(`${SCHEDULER_SCHEMA}.jobs`).where({ state: "pending" }).orderBy("fire_at").select("reminder_id", "fire_at", "snoozed");
const published = async (): Promise<ReminderDueEvent[]> => (await pg.db(`${SCHEDULER_SCHEMA}.outbox`).orderBy("id")).map((r) => r.payload);

const R1 = "20000000-0000-4000-8000-000000000001";
const R2 = "20000000-0000-4000-8000-000000000002";

test("offsets follow the due date in the task's zone; absolute reminders stay put", async () => {
  // 29 March 2026 is the spring-forward day in Berlin: one day before 09:00 local is 09:00 local.
  await scheduler.applyTaskEvent(
    taskEvent(1, {
      dueAt: "2026-03-30T07:00:00.000Z",
      reminders: [
        { id: R1, offset: "-P1D", channels: ["sse"] },
        { id: R2, at: "2026-03-28T18:00:00.000Z", channels: ["sse", "whatsapp"] },
      ],
    }),
  );
  expect(await pending()).toEqual([
    { reminder_id: R2, fire_at: new Date("2026-03-28T18:00:00Z"), snoozed: false },
    { reminder_id: R1, fire_at: new Date("2026-03-29T07:00:00Z"), snoozed: false },
  ]);
  expect(await scheduler.nextFireAt()).toEqual(new Date("2026-03-28T18:00:00Z"));
});

test("editing the due date moves pending reminders; a stale event changes nothing; deleting cancels", async () => {
  const reminders = [{ id: R1, offset: "-PT15M", channels: ["sse" as const] }];
  await scheduler.applyTaskEvent(taskEvent(1, { dueAt: "2026-04-01T10:00:00.000Z", reminders }));
  await scheduler.applyTaskEvent(taskEvent(3, { dueAt: "2026-04-02T10:00:00.000Z", reminders }));
  await scheduler.applyTaskEvent(taskEvent(2, { dueAt: "2026-04-09T10:00:00.000Z", reminders }));
  expect((await pending()).map((j) => j.fire_at)).toEqual([new Date("2026-04-02T09:45:00Z")]);
  await scheduler.applyTaskEvent(taskEvent(4, null));
  expect(await pending()).toEqual([]);
  // Redelivered older events cannot bring it back.
  await scheduler.applyTaskEvent(taskEvent(3, { dueAt: "2026-04-02T10:00:00.000Z", reminders }));
  expect(await pending()).toEqual([]);
});

test("a done task has nothing pending, and a reminder already past when set never fires", async () => {
  const taskId = randomUUID();
  await scheduler.applyTaskEvent(taskEvent(1, { dueAt: "2026-03-28T12:10:00.000Z", reminders: [{ id: R1, offset: "-PT15M", channels: ["sse"] }] }, { taskId }));
  expect(await pending()).toEqual([]);
  await scheduler.applyTaskEvent(taskEvent(2, { dueAt: "2026-03-28T13:00:00.000Z", reminders: [{ id: R1, offset: "-PT15M", channels: ["sse"] }] }, { taskId }));
  expect(await pending()).toHaveLength(1);
  await scheduler.applyTaskEvent(taskEvent(3, { status: "done", dueAt: "2026-03-28T13:00:00.000Z", reminders: [{ id: R1, offset: "-PT15M", channels: ["sse"] }] }, { taskId }));
  expect(await pending()).toEqual([]);
});

test("a reminder the request's own slowness overtook still fires, late; an edit while one waits to fire keeps it", async () => {
  const slow = randomUUID();
  // Asked for 12:00:01; the create committed at 12:00:04 (a NATS server was being replaced).
  await scheduler.applyTaskEvent(taskEvent(1, { reminders: [{ id: R1, at: "2026-03-28T12:00:01.000Z", channels: ["sse"] }] }, { taskId: slow, occurredAt: "2026-03-28T12:00:04.000Z" }));
  expect((await pending()).map((j) => j.reminder_id)).toEqual([R1]);

  // Due at 12:05 while the scheduler is behind; the task is renamed at 12:10, before it fired.
  const behind = randomUUID();
  const reminders = [{ id: R2, at: "2026-03-28T12:05:00.000Z", channels: ["sse" as const] }];
  await scheduler.applyTaskEvent(taskEvent(1, { reminders }, { taskId: behind }));
  await scheduler.applyTaskEvent(taskEvent(2, { title: "Pay the rent", reminders }, { taskId: behind, occurredAt: "2026-03-28T12:10:00.000Z" }));
  clock.set("2026-03-28T12:10:00Z");
  expect(await scheduler.fireDue()).toBe(2);
  expect((await published()).map((e) => [e.reminderId, e.title, e.late]).sort()).toEqual([
    [R1, "Pay rent", true],
    [R2, "Pay the rent", true],
  ]);
  // A reminder newly set five minutes in the past was never due.
  await scheduler.applyTaskEvent(
    taskEvent(3, { reminders: [...reminders, { id: R1, at: "2026-03-28T12:05:00.000Z", channels: ["sse"] }] }, { taskId: behind, occurredAt: "2026-03-28T12:10:00.000Z" }),
  );
  expect(await pending()).toEqual([]);
  clock.set("2026-03-28T12:00:00Z");
});

test("fires when due, once, with the key notify deduplicates on; late after downtime", async () => {
  const taskId = randomUUID();
  await scheduler.applyTaskEvent(
    taskEvent(1, { dueAt: "2026-03-28T13:00:00.000Z", reminders: [{ id: R1, offset: "-PT30M", channels: ["sse"] }, { id: R2, offset: "-PT10M", channels: ["whatsapp"] }] }, { taskId }),
  );
  clock.set("2026-03-28T12:29:59.999Z");
  expect(await scheduler.fireDue()).toBe(0);
  clock.set("2026-03-28T12:30:00Z");
  expect(await scheduler.fireDue()).toBe(1);
  expect(await scheduler.fireDue()).toBe(0);
  // The scheduler was down for an hour: the second reminder fires once, marked late.
  clock.set("2026-03-28T13:50:00Z");
  expect(await scheduler.fireDue()).toBe(1);
  const events = await published();
  expect(events).toEqual([
    expect.objectContaining({ key: `${R1}@2026-03-28T12:30:00.000Z`, taskId, recipientId: OWNER, title: "Pay rent", late: false, channels: ["sse"], dueAt: "2026-03-28T13:00:00.000Z" }),
    expect.objectContaining({ key: `${R2}@2026-03-28T12:50:00.000Z`, late: true, firedAt: "2026-03-28T13:50:00.000Z" }),
  ]);
  // Saving the task again (same reminder, same due) does not re-arm what already fired.
  await scheduler.applyTaskEvent(
    taskEvent(2, { dueAt: "2026-03-28T13:00:00.000Z", reminders: [{ id: R1, offset: "-PT30M", channels: ["sse"] }] }, { taskId, occurredAt: "2026-03-28T12:00:00Z" }),
  );
  expect(await pending()).toEqual([]);
  clock.set("2026-03-28T12:00:00Z");
});

test("reminder.due carries the task's project as last planned, for notify's recipient check; a job planned before says nothing", async () => {
  const [taskId, projectId, moved] = [randomUUID(), randomUUID(), randomUUID()];
  const reminders = [{ id: R1, at: "2026-03-28T12:30:00.000Z", channels: ["sse" as const] }];
  await scheduler.applyTaskEvent(taskEvent(1, { projectId, reminders }, { taskId }));
  await scheduler.applyTaskEvent(taskEvent(2, { projectId: moved, reminders }, { taskId }));
  const personal = randomUUID();
  await scheduler.applyTaskEvent(taskEvent(1, { projectId: null, reminders: [{ id: R2, at: "2026-03-28T12:30:00.000Z", channels: ["sse"] }] }, { taskId: personal }));
  // As a job left over from before the upgrade looks.
  await pg.db(`${SCHEDULER_SCHEMA}.jobs`).insert({
    id: randomUUID(), key: "old@1", task_id: randomUUID(), reminder_id: randomUUID(), owner_id: OWNER, recipient_id: OWNER, title: "Old",
    fire_at: new Date("2026-03-28T12:30:00Z"), channels: ["sse"], timezone: "UTC",
  });
  clock.set("2026-03-28T12:30:00Z");
  expect(await scheduler.fireDue()).toBe(3);
  const byTask = new Map((await published()).map((e) => [e.taskId, e]));
  expect(byTask.get(taskId)!.projectId).toBe(moved);
  expect(byTask.get(personal)!.projectId).toBeNull();
  expect([...byTask.values()].find((e) => e.key === "old@1")).not.toHaveProperty("projectId");
  clock.set("2026-03-28T12:00:00Z");
});

test("snooze re-arms a fired reminder; it survives task edits but not completion", async () => {
  const taskId = randomUUID();
  const reminders = [{ id: R1, at: "2026-03-28T12:05:00.000Z", channels: ["sse" as const] }];
  await scheduler.applyTaskEvent(taskEvent(1, { reminders }, { taskId }));
  clock.set("2026-03-28T12:05:00Z");
  await scheduler.fireDue();
  const [fired] = await published();
  const armed = await scheduler.snooze(fired!.key, 10);
  expect(armed.fireAt).toEqual(new Date("2026-03-28T12:15:00Z"));
  await scheduler.applyTaskEvent(taskEvent(2, { title: "Pay rent today", reminders }, { taskId }));
  expect(await pending()).toEqual([{ reminder_id: R1, fire_at: new Date("2026-03-28T12:15:00Z"), snoozed: true }]);
  clock.set("2026-03-28T12:15:00Z");
  expect(await scheduler.fireDue()).toBe(1);
  expect((await published())[1]).toMatchObject({ title: "Pay rent today", snoozed: true });
  await expect(scheduler.snooze("nope", 5)).rejects.toMatchObject({ type: "NOT_FOUND" });
  clock.set("2026-03-28T12:00:00Z");
});

test("one notification has at most one pending snooze: the latest replaces it", async () => {
  const taskId = randomUUID();
  await scheduler.applyTaskEvent(taskEvent(1, { reminders: [{ id: R1, at: "2026-03-28T12:05:00.000Z", channels: ["sse"] }] }, { taskId }));
  clock.set("2026-03-28T12:05:00Z");
  await scheduler.fireDue();
  const [fired] = await published();
  await Promise.all([1, 2, 3, 4].map((m) => scheduler.snooze(fired!.key, m)));
  await scheduler.snooze(fired!.key, 30);
  expect(await pending()).toEqual([{ reminder_id: R1, fire_at: new Date("2026-03-28T12:35:00Z"), snoozed: true }]);
  clock.set("2026-03-28T12:40:00Z");
  expect(await scheduler.fireDue()).toBe(1);
  expect(await published()).toHaveLength(2);
  clock.set("2026-03-28T12:00:00Z");
});

test("two scheduler replicas on one database fire each of 1,000 reminders exactly once", async () => {
  const second = openDatabase({ databaseUrl: pg.url, poolSize: 3 });
  try {
    const replicas = [scheduler, new ReminderScheduler(second, clock)];
    for (let i = 0; i < 10; i++) {
      const reminders = Array.from({ length: 100 }, (_, j) => ({ id: randomUUID(), at: new Date(Date.parse("2026-03-28T12:01:00Z") + j * 1000).toISOString(), channels: ["sse" as const] }));
      await scheduler.applyTaskEvent(taskEvent(1, { reminders }, { taskId: randomUUID() }));
    }
    clock.set("2026-03-28T12:05:00Z");
    const counts = await Promise.all(
      replicas.map(async (replica) => {
        let total = 0;
        for (let n = await replica.fireDue(37); n > 0; n = await replica.fireDue(37)) total += n;
        return total;
      }),
    );
    expect(counts[0]! + counts[1]!).toBe(1000);
    const keys = (await published()).map((e) => e.key);
    expect(keys).toHaveLength(1000);
    expect(new Set(keys).size).toBe(1000);
  } finally {
    await second.destroy();
    clock.set("2026-03-28T12:00:00Z");
  }
});

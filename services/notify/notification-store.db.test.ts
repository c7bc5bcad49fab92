import { randomUUID } from "node:crypto";
import { ManualClock } from "../../libs/clock";
import { LATE_AFTER_MS, type ReminderDueEvent } from "../../libs/contracts";
import { postgresDb } from "../../test/support/db";
import { migrations, NOTIFY_SCHEMA } from "./migrations";
import { NotificationStore } from "./notification-store";
import { CursorCodec } from "../../libs/task-query";

const USER = randomUUID();
const clock = new ManualClock(new Date("2026-06-01T09:00:00Z"));
let pg: Awaited<ReturnType<typeof postgresDb>>;
let store: NotificationStore;

beforeAll(async () => {
  pg = await postgresDb(5, { schema: NOTIFY_SCHEMA, migrations });
  store = new NotificationStore(pg.db, clock, new CursorCodec("notification-store-test-cursor-secret-0123456789", clock));
});
afterAll(() => pg.close());

function due(overrides: Partial<ReminderDueEvent> = {}): ReminderDueEvent {
  const reminderId = randomUUID();
  return {
    key: `${reminderId}@2026-06-01T09:00:00.000Z`, taskId: randomUUID(), reminderId, ownerId: USER, recipientId: USER,
    title: "Water plants", dueAt: "2026-06-01T10:00:00.000Z", occurrenceAt: "2026-06-01T10:00:00.000Z",
    fireAt: "2026-06-01T09:00:00.000Z", firedAt: "2026-06-01T09:00:00.000Z", late: false, snoozed: false,
    channels: ["sse", "whatsapp"], timezone: "UTC", ...overrides,
  };
}

test("a redelivered reminder.due creates nothing new", async () => {
  const event = due();
  const first = await store.record(event);
  const again = await store.record(event);
  expect(first.created).toBe(true);
  expect(again).toEqual({ notification: first.notification, created: false });
  expect(first.notification.deliveries).toEqual([
    { channel: "sse", status: "pending", attempts: 0, lastError: null },
    { channel: "whatsapp", status: "pending", attempts: 0, lastError: null },
  ]);
  expect(await pg.db(`${NOTIFY_SCHEMA}.notifications`).where({ key: event.key }).count({ n: "*" })).toEqual([{ n: 1 }]);
});

test("an invitation becomes one notification of kind invitation, streamed only, beside the reminders", async () => {
  const user = randomUUID();
  const reminder = (await store.record(due({ recipientId: user }))).notification;
  const invitationId = randomUUID();
  const projectId = randomUUID();
  const event = { key: invitationId, invitationId, projectId, projectName: "Garden", role: "editor" as const, recipientId: user, invitedById: USER, createdAt: clock.now().toISOString() };
  const first = await store.recordInvitation(event);
  expect(await store.recordInvitation(event)).toEqual({ notification: first.notification, created: false });
  expect(first.notification).toEqual({
    id: expect.any(String), kind: "invitation", taskId: null, reminderId: null, invitationId, projectId,
    title: 'Invitation to join "Garden" as editor', dueAt: null, fireAt: null, createdAt: clock.now().toISOString(), readAt: null, late: false,
    deliveries: [{ channel: "sse", status: "pending", attempts: 0, lastError: null }],
  });
  expect(reminder).toMatchObject({ kind: "reminder", invitationId: null, projectId: null });
  expect((await store.list(user, { limit: 10 })).items.map((n) => n.kind)).toEqual(["invitation", "reminder"]);
});

test("replay after Last-Event-ID returns what followed it, oldest first, within 7 days", async () => {
  const user = randomUUID();
  const ids: string[] = [];
  for (let i = 0; i < 4; i++) {
    clock.advance(60_000);
    ids.push((await store.record(due({ recipientId: user, title: `N${i}` }))).notification.id);
  }
  expect((await store.since(user, ids[1])).map((n) => n.id)).toEqual([ids[2], ids[3]]);
  expect(await store.since(user, undefined)).toEqual([]);
  clock.advance(8 * 24 * 3600_000);
  expect(await store.since(user, ids[1])).toEqual([]);
  // Another user's id is no anchor into this user's stream.
  expect((await store.since(USER, ids[0])).every((n) => n.id !== ids[1])).toBe(true);
});

test("the inbox pages newest first and filters unread", async () => {
  const user = randomUUID();
  const ids: string[] = [];
  for (let i = 0; i < 3; i++) ids.push((await store.record(due({ recipientId: user }))).notification.id);
  const page1 = await store.list(user, { limit: 2 });
  expect(page1.items.map((n) => n.id)).toEqual([ids[2], ids[1]]);
  const page2 = await store.list(user, { limit: 2, cursor: page1.nextCursor! });
  expect(page2).toMatchObject({ items: [{ id: ids[0] }], nextCursor: null });
  await store.markRead(user, ids[1]!);
  expect((await store.list(user, { limit: 10, unread: true })).items.map((n) => n.id)).toEqual([ids[2], ids[0]]);
  await expect(store.markRead(randomUUID(), ids[0]!)).rejects.toMatchObject({ type: "NOT_FOUND" });
  await expect(store.list(user, { limit: 2, cursor: "abc" })).rejects.toMatchObject({ type: "VALIDATION" });
});

test("a notification recorded more than 5 s after its fireAt is late, as is one the scheduler fired late", async () => {
  expect(LATE_AFTER_MS).toBe(5_000);
  const onTime = await store.record(due({ fireAt: new Date(clock.now().getTime() - LATE_AFTER_MS).toISOString() }));
  const queued = await store.record(due({ fireAt: new Date(clock.now().getTime() - LATE_AFTER_MS - 1).toISOString() }));
  const firedLate = await store.record(due({ late: true }));
  expect([onTime, queued, firedLate].map((r) => r.notification.late)).toEqual([false, true, true]);
  expect((await store.get(USER, queued.notification.id)).late).toBe(true);
});

import { randomUUID } from "node:crypto";
import { ManualClock } from "../../libs/clock";
import type { CommentMentionedEvent, TaskUnblockedEvent } from "../../libs/contracts";
import { CursorCodec } from "../../libs/task-query";
import { postgresDb } from "../../test/support/db";
import { migrations, NOTIFY_SCHEMA } from "./migrations";
import { NotificationStore } from "./notification-store";

const clock = new ManualClock(new Date("2026-06-01T09:00:00Z"));
let pg: Awaited<ReturnType<typeof postgresDb>>;
let store: NotificationStore;

beforeAll(async () => {
  pg = await postgresDb(2, { schema: NOTIFY_SCHEMA, migrations });
  store = new NotificationStore(pg.db, clock, new CursorCodec("task-notifications-test-cursor-secret-01234", clock));
});
afterAll(() => pg.close());

test("an unblocked task becomes one notification of kind unblocked, streamed and sent over WhatsApp per the user's settings", async () => {
  const user = randomUUID();
  const event: TaskUnblockedEvent = {
    key: `unblocked:${randomUUID()}`, taskId: randomUUID(), blockerId: randomUUID(), ownerId: user, recipientId: user, projectId: null,
    title: "Ship", dueAt: null, timezone: "UTC", occurredAt: clock.now().toISOString(),
  };
  const first = await store.recordUnblocked(event);
  expect(first.created).toBe(true);
  expect(first.notification).toMatchObject({ kind: "unblocked", taskId: event.taskId, title: "Unblocked: Ship", reminderId: null, fireAt: null });
  expect(first.notification.deliveries.map((d) => d.channel)).toEqual(["sse", "whatsapp"]);
  expect((await store.recordUnblocked(event)).created).toBe(false);
});

test("a mention becomes one notification of kind mention per comment version and member", async () => {
  const user = randomUUID();
  const event: CommentMentionedEvent = {
    key: `mention:${randomUUID()}:1:${user}`, commentId: randomUUID(), taskId: randomUUID(), projectId: randomUUID(), ownerId: randomUUID(),
    authorId: randomUUID(), recipientId: user, title: "Party", timezone: "UTC",
  };
  const first = await store.recordMention(event);
  expect(first.notification).toMatchObject({ kind: "mention", taskId: event.taskId, projectId: event.projectId, title: "Mentioned on: Party" });
  expect((await store.recordMention(event)).created).toBe(false);
});

import { CursorCodec } from "../../libs/task-query";
import { randomUUID } from "node:crypto";
import { ManualClock } from "../../libs/clock";
import type { ReminderDueEvent } from "../../libs/contracts";
import { postgresDb } from "../../test/support/db";
import { type CloudApiStub, startCloudApiStub } from "../../test/support/whatsapp-cloud-api-stub";
import { migrations, NOTIFY_SCHEMA } from "./migrations";
import { NotificationStore } from "./notification-store";
import { CloudApiClient } from "./whatsapp/cloud-api-client";
import type { WhatsAppRecipient } from "./whatsapp/delivery";
import { WhatsAppDeliveries } from "./whatsapp-deliveries";

const clock = new ManualClock(new Date("2026-06-01T09:00:00Z"));
let pg: Awaited<ReturnType<typeof postgresDb>>;
let stub: CloudApiStub;
let store: NotificationStore;
const phones = new Map<string, string>();

beforeAll(async () => {
  pg = await postgresDb(5, { schema: NOTIFY_SCHEMA, migrations });
  store = new NotificationStore(pg.db, clock, new CursorCodec("whatsapp-deliveries-test-cursor-secret-0123456789", clock));
  stub = await startCloudApiStub();
});
afterAll(async () => {
  await stub.close();
  await pg.close();
});
beforeEach(async () => {
  await pg.db(`${NOTIFY_SCHEMA}.notifications`).delete();
  stub.requests.length = 0;
});

function user(): string {
  const id = randomUUID();
  phones.set(id, `+4915${String(phones.size).padStart(9, "0")}`);
  return id;
}

/** `disabled`: users notify.contacts no longer returns as recipients. */
function deliveriesWith(sendsPerUserPerDay?: number, disabled: string[] = []) {
  const contacts = async (ids: string[]) =>
    new Map<string, WhatsAppRecipient>(
      ids.filter((id) => !disabled.includes(id)).map((id) => [id, { timezone: "UTC", phone: phones.get(id)!, phoneVerified: true, whatsappOptIn: true, notificationPrefs: { whatsapp: true, quietHours: null } }]),
    );
  const sender = { token: "tok", phoneNumberId: "1234567890" };
  return new WhatsAppDeliveries(
    pg.db,
    clock,
    { apiUrl: stub.url, sender, ratePerSecond: 80, sendsPerUserPerDay },
    new CloudApiClient({ apiUrl: stub.url, ...sender, clock }),
    { acquire: async () => undefined },
    contacts,
  );
}

async function remind(recipientId: string, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const reminderId = randomUUID();
    const at = clock.now().toISOString();
    const event: ReminderDueEvent = {
      key: `${reminderId}@${at}`, taskId: randomUUID(), reminderId, ownerId: recipientId, recipientId, title: `T${i}`,
      dueAt: null, occurrenceAt: null, fireAt: at, firedAt: at, late: false, snoozed: false, channels: ["whatsapp"], timezone: "UTC",
    };
    ids.push((await store.record(event)).notification.id);
    clock.advance(1);
  }
  return ids;
}

const sentTo = () => stub.requests.map((r) => (r.body as { to: string }).to);

test("the sender's rate is shared round-robin: a user with a backlog does not hold up the others", async () => {
  const [busy, quiet] = [user(), user()];
  await remind(busy, 30);
  await remind(quiet, 2);
  const whatsapp = deliveriesWith();
  await whatsapp.runOnce();
  // The quiet user's two, though queued after all thirty, go in the first batch, interleaved.
  expect(sentTo().slice(0, 4)).toEqual([phones.get(busy), phones.get(quiet), phones.get(busy), phones.get(quiet)]);
  expect(sentTo()).toHaveLength(20);
  while (!("sleepMs" in (await whatsapp.runOnce())));
  expect(sentTo()).toHaveLength(32);
});

test("over the daily cap a delivery is skipped with the reason, not retried; the next day sends again", async () => {
  const ada = user();
  const ids = await remind(ada, 5);
  const whatsapp = deliveriesWith(3);
  await whatsapp.runOnce();
  expect(sentTo()).toHaveLength(3);
  const skipped = await store.get(ada, ids[4]!);
  expect(skipped.deliveries).toEqual([
    { channel: "whatsapp", status: "skipped", attempts: 0, lastError: "skipped: daily limit of 3 WhatsApp sends per user reached" },
  ]);
  await whatsapp.runOnce();
  expect(sentTo()).toHaveLength(3);
  clock.advance(24 * 3600_000);
  await remind(ada, 1);
  await whatsapp.runOnce();
  expect(sentTo()).toHaveLength(4);
});

test("a delivery still pending when its recipient is disabled is skipped, saying why", async () => {
  const gone = user();
  const [id] = await remind(gone, 1);
  await deliveriesWith(undefined, [gone]).runOnce();
  expect(sentTo()).toEqual([]);
  expect((await store.get(gone, id!)).deliveries).toMatchObject([{ status: "skipped", lastError: "skipped: the recipient's account is disabled or unknown" }]);
});

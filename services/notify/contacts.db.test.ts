import { randomUUID } from "node:crypto";
import { DEFAULT_NOTIFICATION_PREFS, userUpdatedEventSchema, type UserUpdatedEvent } from "../../libs/contracts";
import { postgresDb } from "../../test/support/db";
import { ContactStore } from "./contacts";
import { migrations, NOTIFY_SCHEMA } from "./migrations";

let pg: Awaited<ReturnType<typeof postgresDb>>;
let contacts: ContactStore;

beforeAll(async () => {
  pg = await postgresDb(5, { schema: NOTIFY_SCHEMA, migrations });
  contacts = new ContactStore(pg.db);
});
afterAll(() => pg.close());

function snapshot(userId: string, version: number, overrides: Partial<UserUpdatedEvent> = {}): UserUpdatedEvent {
  return {
    key: `${userId}@${version}`, userId, version, updatedAt: new Date(Date.UTC(2026, 0, 1, 0, version)).toISOString(),
    roles: ["member"], timezone: "Europe/Berlin", phone: null, phoneVerified: false, whatsappOptIn: false,
    notificationPrefs: DEFAULT_NOTIFICATION_PREFS, disabled: false, ...overrides,
  };
}

test("a redelivered or older snapshot never overwrites a newer one", async () => {
  const id = randomUUID();
  const phone = "+4915100000001";
  expect(await contacts.apply(snapshot(id, 2, { phone, phoneVerified: true, whatsappOptIn: true, timezone: "Asia/Tokyo" }))).toBe(true);
  expect(await contacts.apply(snapshot(id, 2, { phone, phoneVerified: true, whatsappOptIn: true, timezone: "Asia/Tokyo" }))).toBe(false);
  expect(await contacts.apply(snapshot(id, 1, { timezone: "UTC" }))).toBe(false);
  expect((await contacts.recipients([id])).get(id)).toEqual({
    timezone: "Asia/Tokyo", phone, phoneVerified: true, whatsappOptIn: true, notificationPrefs: DEFAULT_NOTIFICATION_PREFS,
  });
  expect(await contacts.apply(snapshot(id, 3, { phone, whatsappOptIn: true, notificationPrefs: { sse: true, whatsapp: false, quietHours: { start: "22:00", end: "07:00" } } }))).toBe(true);
  expect((await contacts.recipients([id])).get(id)?.notificationPrefs).toEqual({ sse: true, whatsapp: false, quietHours: { start: "22:00", end: "07:00" } });
});

test("a disabled user is nobody's recipient", async () => {
  const id = randomUUID();
  await contacts.apply(snapshot(id, 1, { phone: "+4915100000002", phoneVerified: true, whatsappOptIn: true }));
  await contacts.apply(snapshot(id, 2, { phone: "+4915100000002", phoneVerified: true, whatsappOptIn: true, disabled: true }));
  expect((await contacts.recipients([id])).size).toBe(0);
  expect(await contacts.byPhone("+4915100000002")).toBeUndefined();
});

test("only an opted-in number finds its user; of two accounts on one number, the one changed last", async () => {
  const phone = "+4915100000003";
  const shy = randomUUID();
  await contacts.apply(snapshot(shy, 1, { phone, phoneVerified: true }));
  expect(await contacts.byPhone(phone)).toBeUndefined();

  const older = randomUUID();
  const newer = randomUUID();
  await contacts.apply(snapshot(newer, 5, { phone, phoneVerified: true, whatsappOptIn: true, roles: ["member", "admin"] }));
  await contacts.apply(snapshot(older, 1, { phone, phoneVerified: true, whatsappOptIn: true }));
  expect(await contacts.byPhone(phone)).toEqual({ id: newer, roles: ["member", "admin"], timezone: "Europe/Berlin" });
});

test("an unverified number is nobody's: it finds no user, however opted in", async () => {
  const phone = "+4915100000004";
  const claimer = randomUUID();
  await contacts.apply(snapshot(claimer, 1, { phone, whatsappOptIn: true }));
  expect(await contacts.byPhone(phone)).toBeUndefined();
  expect((await contacts.recipients([claimer])).get(claimer)).toMatchObject({ phone, phoneVerified: false });
  await contacts.apply(snapshot(claimer, 2, { phone, phoneVerified: true, whatsappOptIn: true }));
  expect((await contacts.byPhone(phone))?.id).toBe(claimer);
});

test("a snapshot from before verification existed reads as unverified", () => {
  const { phoneVerified: _, ...old } = snapshot(randomUUID(), 1, { phone: "+4915100000005", whatsappOptIn: true });
  expect(userUpdatedEventSchema.parse(old).phoneVerified).toBe(false);
});

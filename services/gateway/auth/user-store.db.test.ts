import { ManualClock } from "../../../libs/clock";
import { USER_CHANNELS, userUpdatedEventSchema, type UserUpdatedEvent } from "../../../libs/contracts";
import { migrateSchema } from "../../../libs/db/migrate";
import { postgresDb } from "../../../test/support/db";
import { AUTH_SCHEMA, migrations } from "../migrations";
import { UserStore } from "./user-store";

const clock = new ManualClock(new Date("2026-03-01T08:00:00Z"));
let pg: Awaited<ReturnType<typeof postgresDb>>;

beforeEach(async () => {
  pg = await postgresDb(5);
});
afterEach(() => pg.close());

async function outbox(): Promise<UserUpdatedEvent[]> {
  const rows = await pg.db(`${AUTH_SCHEMA}.outbox`).orderBy("id");
  expect(rows.every((r) => r.channel === USER_CHANNELS.updated)).toBe(true);
  return rows.map((r) => userUpdatedEventSchema.parse(r.payload));
}

test("every change of a user writes its snapshot, with a rising version, in the change's transaction", async () => {
  await migrateSchema(pg.db, AUTH_SCHEMA, migrations);
  let kicks = 0;
  const users = new UserStore(pg.db, clock, () => kicks++);
  const user = await users.create({ email: "ada@example.com", password: "correct horse battery", name: "Ada", timezone: "Europe/Berlin" });
  const admin = await users.create({ email: "root@example.com", password: "correct horse battery", name: "", timezone: "UTC" }, ["member", "admin"]);
  clock.advance(1_000);
  await users.updateProfile(user.id, { phone: "+4915112345678", whatsappOptIn: true, notificationPrefs: { quietHours: { start: "22:00", end: "07:00" } } });
  await expect(users.updateProfile(user.id, { phone: null })).rejects.toMatchObject({ type: "VALIDATION" });
  await users.administer(admin.id, user.id, { disabled: true });

  const events = (await outbox()).filter((e) => e.userId === user.id);
  expect(events.map((e) => [e.version, e.key])).toEqual([
    [1, `${user.id}@1`],
    [2, `${user.id}@2`],
    [3, `${user.id}@3`],
  ]);
  expect(events[1]).toMatchObject({
    phone: "+4915112345678", whatsappOptIn: true, timezone: "Europe/Berlin", roles: ["member"], disabled: false,
    notificationPrefs: { sse: true, whatsapp: true, quietHours: { start: "22:00", end: "07:00" } },
    updatedAt: "2026-03-01T08:00:01.000Z",
  });
  expect(events[2]).toMatchObject({ disabled: true, phone: "+4915112345678" });
  expect(kicks).toBe(4);
});

test("the migration that adds the outbox seeds one snapshot per existing user", async () => {
  await migrateSchema(pg.db, AUTH_SCHEMA, migrations.slice(0, 1));
  const existing = [1, 2, 3].map((n) => ({
    id: `00000000-0000-4000-8000-00000000000${n}`, email: `u${n}@example.com`, password_hash: "x", timezone: "Asia/Tokyo",
    phone: n === 2 ? "+4915100000002" : null, whatsapp_opt_in: n === 2, created_at: clock.now(), updated_at: clock.now(),
  }));
  await pg.db(`${AUTH_SCHEMA}.users`).insert(existing);

  await migrateSchema(pg.db, AUTH_SCHEMA, migrations);
  const seeded = await outbox();
  expect(seeded.map((e) => [e.userId, e.version])).toEqual(existing.map((u) => [u.id, 1]));
  expect(seeded[1]).toMatchObject({ phone: "+4915100000002", whatsappOptIn: true, timezone: "Asia/Tokyo", disabled: false });
});

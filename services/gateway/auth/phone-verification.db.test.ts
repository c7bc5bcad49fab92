import { ManualClock } from "../../../libs/clock";
import { phoneVerificationEventSchema, USER_CHANNELS, userUpdatedEventSchema } from "../../../libs/contracts";
import { postgresDb } from "../../../test/support/db";
import { AUTH_SCHEMA, migrations } from "../migrations";
import { PhoneVerifications } from "./phone-verification";
import { UserStore } from "./user-store";

const PHONE = "+4915112345678";
let pg: Awaited<ReturnType<typeof postgresDb>>;
let clock: ManualClock;
let users: UserStore;
let verifications: PhoneVerifications;
let kicks: number;

beforeEach(async () => {
  pg = await postgresDb(5, { schema: AUTH_SCHEMA, migrations });
  clock = new ManualClock(new Date("2026-03-01T08:00:00Z"));
  users = new UserStore(pg.db, clock);
  kicks = 0;
  verifications = new PhoneVerifications(pg.db, clock, "a-test-secret", () => kicks++);
});
afterEach(() => pg.close());

async function userWithPhone(email: string, phone = PHONE) {
  const user = await users.create({ email, password: "correct horse battery", name: "", timezone: "UTC" });
  return users.updateProfile(user.id, { phone, whatsappOptIn: true });
}

/** The code notify would send: read from the outbox, the only place it exists in clear. */
async function lastCode(): Promise<string> {
  const row = await pg.db(`${AUTH_SCHEMA}.outbox`).where({ channel: USER_CHANNELS.phoneVerification }).orderBy("id", "desc").first();
  return phoneVerificationEventSchema.parse(row.payload).code;
}

const otherThan = (code: string) => (code === "000000" ? "111111" : "000000");

test("a code sent to the phone and typed back verifies it; only a hash of it is stored", async () => {
  const user = await userWithPhone("ada@example.com");
  expect(user.phone_verified).toBe(false);
  const sent = await verifications.send(user.id);
  expect(sent).toEqual({ phone: PHONE, expiresAt: new Date("2026-03-01T08:10:00Z") });
  expect(kicks).toBe(1);
  const code = await lastCode();
  expect(code).toMatch(/^\d{6}$/);
  const [pending] = await pg.db(`${AUTH_SCHEMA}.phone_verifications`).where({ user_id: user.id });
  expect(JSON.stringify(pending)).not.toContain(code);

  const verified = await verifications.confirm(user.id, code);
  expect(verified).toMatchObject({ phone_verified: true, version: user.version + 1 });
  const events = await pg.db(`${AUTH_SCHEMA}.outbox`).where({ channel: USER_CHANNELS.updated }).orderBy("id");
  expect(userUpdatedEventSchema.parse(events[events.length - 1].payload)).toMatchObject({ userId: user.id, phone: PHONE, phoneVerified: true });
  // Spent: the same code does not verify twice (the user is verified; nothing is pending).
  expect(await pg.db(`${AUTH_SCHEMA}.phone_verifications`).where({ user_id: user.id })).toHaveLength(0);

  // A new number starts unverified; the same number again keeps its proof.
  expect((await users.updateProfile(user.id, { phone: PHONE })).phone_verified).toBe(true);
  expect((await users.updateProfile(user.id, { phone: "+4915100000009" })).phone_verified).toBe(false);
});

test("a code expires after 10 minutes", async () => {
  const user = await userWithPhone("ada@example.com");
  await verifications.send(user.id);
  const code = await lastCode();
  clock.advance(10 * 60_000);
  await expect(verifications.confirm(user.id, code)).rejects.toMatchObject({ type: "VALIDATION", message: "The code has expired" });
  // Gone, not just late: it fails the same way once more.
  await expect(verifications.confirm(user.id, code)).rejects.toMatchObject({ type: "VALIDATION", message: "No code is pending" });
});

test("five wrong tries void the code; a new send gives a fresh one with fresh tries", async () => {
  const user = await userWithPhone("ada@example.com");
  await verifications.send(user.id);
  const code = await lastCode();
  for (let i = 1; i <= 4; i++) {
    await expect(verifications.confirm(user.id, otherThan(code))).rejects.toMatchObject({ type: "VALIDATION", message: "Wrong code" });
  }
  await expect(verifications.confirm(user.id, otherThan(code))).rejects.toMatchObject({ message: expect.stringContaining("void") });
  await expect(verifications.confirm(user.id, code)).rejects.toMatchObject({ type: "VALIDATION", message: "No code is pending" });
  expect((await users.findById(user.id))!.phone_verified).toBe(false);

  await verifications.send(user.id);
  const fresh = await lastCode();
  await expect(verifications.confirm(user.id, otherThan(fresh))).rejects.toMatchObject({ message: "Wrong code" });
  expect((await verifications.confirm(user.id, fresh)).phone_verified).toBe(true);
});

test("a code sent to a number the user has since changed does not verify the new one", async () => {
  const user = await userWithPhone("ada@example.com");
  await verifications.send(user.id);
  const code = await lastCode();
  await users.updateProfile(user.id, { phone: "+4915100000009" });
  await expect(verifications.confirm(user.id, code)).rejects.toMatchObject({ type: "VALIDATION" });
  expect((await users.findById(user.id))!.phone_verified).toBe(false);
});

test("at most 5 sends an hour per user, then 429 until the oldest leaves the window", async () => {
  const user = await userWithPhone("ada@example.com");
  for (let i = 0; i < 5; i++) {
    await verifications.send(user.id);
    clock.advance(60_000);
  }
  // 5 minutes after the first send: it leaves the hour in 55 minutes.
  await expect(verifications.send(user.id)).rejects.toMatchObject({ type: "RATE_LIMITED", data: { retryAfterSeconds: 55 * 60 } });
  clock.advance(55 * 60_000);
  await expect(verifications.send(user.id)).resolves.toMatchObject({ phone: PHONE });
  await expect(verifications.send(user.id)).rejects.toMatchObject({ type: "RATE_LIMITED" });
  // Other users have their own allowance.
  const bob = await userWithPhone("bob@example.com", "+4915100000010");
  await expect(verifications.send(bob.id)).resolves.toMatchObject({ phone: "+4915100000010" });
});

test("a verified number belongs to one account: a second one gets 409, at send and at confirm", async () => {
  const ada = await userWithPhone("ada@example.com");
  const mallory = await userWithPhone("mallory@example.com");
  await verifications.send(mallory.id);
  const mallorysCode = await lastCode();
  await verifications.send(ada.id);
  await verifications.confirm(ada.id, await lastCode());

  await expect(verifications.confirm(mallory.id, mallorysCode)).rejects.toMatchObject({ type: "CONFLICT" });
  await expect(verifications.send(mallory.id)).rejects.toMatchObject({ type: "CONFLICT" });
  // The database holds the line too, whatever a check might miss.
  await expect(pg.db(`${AUTH_SCHEMA}.users`).where({ id: mallory.id }).update({ phone_verified: true })).rejects.toMatchObject({ code: "23505" });
});

test("nothing to send without a phone, or to a phone already verified", async () => {
  const user = await users.create({ email: "ada@example.com", password: "correct horse battery", name: "", timezone: "UTC" });
  await expect(verifications.send(user.id)).rejects.toMatchObject({ type: "VALIDATION" });
  await users.updateProfile(user.id, { phone: PHONE });
  await verifications.send(user.id);
  await verifications.confirm(user.id, await lastCode());
  await expect(verifications.send(user.id)).rejects.toMatchObject({ type: "VALIDATION" });
});

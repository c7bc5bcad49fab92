import { ServiceBroker } from "moleculer";
import { ManualClock } from "../clock";
import type { AuthMeta } from "../contracts";
import { callAs } from "./bus";
import { authOf } from ".";
import { AUTH_SIG_TTL_MS, bindBusIdentity, busIdentity, canonicalJson } from "./identity";

const SECRET = "a-bus-secret-that-is-long-enough-0123456789";
const TASK_ID = "00000000-0000-4000-8000-000000000001";
const alice: AuthMeta = {
  userId: "00000000-0000-4000-8000-0000000000a1",
  roles: ["member"],
  timezone: "Europe/Lisbon",
  rules: [["read,update", "Task", { ownerId: "00000000-0000-4000-8000-0000000000a1" }]] as AuthMeta["rules"],
};

const clock = new ManualClock(new Date("2026-03-01T10:00:00Z"));
const seen: AuthMeta[] = [];
let broker: ServiceBroker;

beforeAll(async () => {
  broker = new ServiceBroker({ logger: false });
  bindBusIdentity(broker, busIdentity(SECRET, clock));
  // A stand-in for tasks.get: whatever it answers, it first asks who is calling, as every service does.
  broker.createService({
    name: "tasks",
    actions: {
      get: (ctx) => {
        seen.push(authOf(ctx));
        return { id: TASK_ID };
      },
    },
  });
  await broker.start();
});
afterAll(() => broker.stop());
beforeEach(() => {
  seen.length = 0;
  clock.set("2026-03-01T10:00:00Z");
});

const get = (meta: object) => broker.call("tasks.get", { id: TASK_ID }, { meta });
const refused = { code: 401, type: "UNAUTHORIZED" };
const signedBy = (secret: string, auth: AuthMeta) => busIdentity(secret, clock).sign(auth);

test("a call signed by a holder of the bus key is believed", async () => {
  await expect(callAs(broker, alice, "tasks.get", { id: TASK_ID })).resolves.toEqual({ id: TASK_ID });
  expect(seen).toEqual([alice]);
});

test.each([
  ["without any identity", () => ({})],
  ["with an identity but no signature", () => ({ auth: alice })],
  ["with a signature that is not one", () => ({ auth: alice, authSig: "garbage" })],
  ["signed with another key", () => ({ auth: alice, authSig: signedBy("another-secret-that-is-long-enough-0123456789", alice) })],
  ["with the rules widened after signing", () => ({ auth: { ...alice, rules: [["manage", "all"]] }, authSig: signedBy(SECRET, alice) })],
  ["as someone else under alice's signature", () => ({ auth: { ...alice, userId: "00000000-0000-4000-8000-0000000000b0" }, authSig: signedBy(SECRET, alice) })],
  ["with roles added after signing", () => ({ auth: { ...alice, roles: ["member", "admin"] }, authSig: signedBy(SECRET, alice) })],
  ["with its expiry pushed back", () => {
    const [, mac] = signedBy(SECRET, alice).split(".");
    return { auth: alice, authSig: `${clock.now().getTime() + 3_600_000}.${mac}` };
  }],
])("a call %s is refused as unauthorized", async (_case, meta) => {
  await expect(get(meta())).rejects.toMatchObject(refused);
  expect(seen).toEqual([]);
});

test("a signature expires: good for a minute, refused after", async () => {
  const meta = { auth: alice, authSig: signedBy(SECRET, alice) };
  clock.advance(AUTH_SIG_TTL_MS - 1);
  await expect(get(meta)).resolves.toEqual({ id: TASK_ID });
  clock.advance(1);
  await expect(get(meta)).rejects.toMatchObject(refused);
});

test("the signature does not depend on key order (what a peer's serializer may change)", async () => {
  const reordered: AuthMeta = { rules: alice.rules, timezone: alice.timezone, roles: alice.roles, userId: alice.userId };
  await expect(get({ auth: reordered, authSig: signedBy(SECRET, alice) })).resolves.toEqual({ id: TASK_ID });
  expect(canonicalJson({ b: 1, a: [{ d: 2, c: undefined }] })).toBe('{"a":[{"d":2}],"b":1}');
});

test("signing is cached per identity while the signature has life left, and renewed before it runs out", () => {
  const identity = busIdentity(SECRET, clock);
  const first = identity.sign(alice);
  clock.advance(10_000);
  expect(identity.sign(alice)).toBe(first);
  clock.advance(AUTH_SIG_TTL_MS / 2);
  const renewed = identity.sign(alice);
  expect(renewed).not.toBe(first);
  expect(identity.verify(alice, renewed)).toBe(alice);
});

test("a broker without a bus key can neither act as a user nor believe one", async () => {
  const bare = new ServiceBroker({ logger: false });
  await expect(callAs(bare, alice, "tasks.get", { id: TASK_ID })).rejects.toThrow(/no bus key/);
  expect(() => authOf({ meta: { auth: alice, authSig: signedBy(SECRET, alice) }, broker: bare })).toThrow(expect.objectContaining(refused));
});

test("a signature already checked still binds its identity and its expiry", () => {
  const identity = busIdentity(SECRET, clock);
  const sig = identity.sign(alice);
  expect(identity.verify(JSON.parse(JSON.stringify(alice)), sig)).toEqual(alice);
  // The remembered check is for these exact bytes: an altered identity under the same signature is refused.
  expect(() => identity.verify({ ...alice, roles: ["member", "admin"] }, sig)).toThrow(/does not match/);
  expect(identity.verify(JSON.parse(JSON.stringify(alice)), sig)).toEqual(alice);
  clock.advance(AUTH_SIG_TTL_MS);
  expect(() => identity.verify(alice, sig)).toThrow(/expired/);
});

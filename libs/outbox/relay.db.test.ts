import { ManualClock } from "../clock";
import type { Db } from "../db";
import { memoryDb } from "../../test/support/db";
import { createOutboxTable, OutboxRelay, outboxBacklog, Publish } from ".";

const SCHEMA = "relaytest";
const LEASE = 3_000;
let db: Db;
const clock = new ManualClock();

beforeAll(async () => {
  db = await memoryDb();
  await db.raw(`create schema ${SCHEMA}`);
  await createOutboxTable(db, SCHEMA);
});
afterAll(() => db.destroy());
beforeEach(async () => {
  await db(`${SCHEMA}.outbox`).delete();
  await db(`${SCHEMA}.outbox`).insert(
    ["a", "b", "c"].map((key) => ({ key, channel: "test.channel", payload: JSON.stringify({ key }), created_at: clock.now() })),
  );
});

const relay = (publish: Publish, renewEveryMs = 60_000) =>
  new OutboxRelay(db, SCHEMA, publish, clock, (err) => { throw err; }, { leaseMs: LEASE, renewEveryMs, pollMs: 60_000 });

/** A publish that hangs on its first call until released, and records every key it was given. */
function hangingPublish() {
  const keys: string[] = [];
  let release!: () => void;
  const released = new Promise<void>((r) => (release = r));
  let entered!: () => void;
  const hung = new Promise<void>((r) => (entered = r));
  const publish: Publish = async (_channel, _payload, key) => {
    keys.push(key);
    if (keys.length === 1) {
      entered();
      await released;
    }
  };
  return { publish, keys, hung, release };
}

const until = async () => (await db(`${SCHEMA}.outbox`).select("claimed_until")).map((r: { claimed_until: Date | null }) => r.claimed_until?.getTime() ?? null);

test("a relay that dies mid-batch hands its rows to a successor once its short lease ends", async () => {
  const dead = hangingPublish();
  const first = relay(dead.publish);
  first.start();
  await dead.hung;
  const stopped = first.stop(); // it stops renewing: as good as killed while publishing

  const second: string[] = [];
  const successor = relay(async (_c, _p, key) => void second.push(key));
  expect(await successor.drainOnce()).toBe(0); // still within the lease
  clock.advance(LEASE + 1);
  expect(await successor.drainOnce()).toBe(3);
  expect(second).toEqual(["a", "b", "c"]);

  dead.release();
  await stopped;
  expect(dead.keys).toEqual(["a"]); // it published nothing after it stopped
  expect(await outboxBacklog(db, SCHEMA)).toEqual({ rows: 0, oldest: undefined });
});

test("a live relay with a slow publish renews its claim: no other relay publishes its rows", async () => {
  const slow = hangingPublish();
  const live = relay(slow.publish, 5);
  const draining = live.drainOnce();
  await slow.hung;
  const other: string[] = [];
  const rival = relay(async (_c, _p, key) => void other.push(key));
  for (let i = 0; i < 4; i++) {
    clock.advance(LEASE - 500);
    const expected = clock.now().getTime() + LEASE;
    // Wait for the live relay's next renewal to reach past the lease the rival would see end.
    while ((await until()).some((t) => t !== null && t < expected)) await new Promise((r) => setTimeout(r, 5));
    expect(await rival.drainOnce()).toBe(0);
  }
  slow.release();
  expect(await draining).toBe(3);
  expect(slow.keys).toEqual(["a", "b", "c"]);
  expect(other).toEqual([]);
  expect((await outboxBacklog(db, SCHEMA)).rows).toBe(0);
});

test("a relay whose publish fails frees the rest at once, and the backlog says what waits", async () => {
  const failing = relay(async () => {
    throw new Error("NATS down");
  });
  await expect(failing.drainOnce()).rejects.toThrow("NATS down");
  expect(await until()).toEqual([null, null, null]);
  expect(await outboxBacklog(db, SCHEMA)).toEqual({ rows: 3, oldest: clock.now() });
});

test("a publish that failed is tried again within retryMs, not at the next poll", async () => {
  const errors: unknown[] = [];
  const tries: string[] = [];
  let sent!: () => void;
  const allSent = new Promise<void>((r) => (sent = r));
  const publish: Publish = async (_channel, _payload, key) => {
    tries.push(key);
    if (tries.length === 1) throw new Error("TIMEOUT: the stream has no leader yet");
    if (tries.length === 4) sent();
  };
  const r = new OutboxRelay(db, SCHEMA, publish, clock, (err) => errors.push(err), { leaseMs: LEASE, pollMs: 600_000, retryMs: 5 });
  r.start();
  await allSent;
  await r.stop();
  expect(tries).toEqual(["a", "a", "b", "c"]);
  expect(errors).toEqual([new Error("TIMEOUT: the stream has no leader yet")]);
  expect(await outboxBacklog(db, SCHEMA)).toMatchObject({ rows: 0 });
});

import { NotFoundError } from "../errors";
import type { Db } from "./index";
import { FreshSample, parseLsn, ReadRouter } from "./read-routing";

/** A database that answers the two position queries from what the test sets, and counts them. */
function fakeDb(name: string, answer: () => string | null | Error) {
  const db = {
    name,
    queries: 0,
    raw: async (sql: string) => {
      db.queries++;
      const a = answer();
      if (a instanceof Error) throw a;
      return { rows: [{ [sql.includes("replay") ? "replay" : "lsn"]: a }] };
    },
  };
  return db as typeof db & Db;
}

/** A clock that moves 1 ms each time it is read: waits end without wall time mattering. */
function tickingClock() {
  let t = 0;
  return () => ++t;
}

test("pg_lsn values order by their high then low 32 bits", () => {
  expect(parseLsn("0/16B3748")).toBe(0x16b3748n);
  expect(parseLsn("1/0") > parseLsn("0/FFFFFFFF")).toBe(true);
  expect(() => parseLsn("nonsense")).toThrow(/pg_lsn/);
});

test("without a standby every read goes to the primary, with no position query", async () => {
  const primary = fakeDb("primary", () => "0/10");
  const router = new ReadRouter(primary);
  expect(await router.target()).toBe("primary");
  expect(primary.queries).toBe(0);
});

test("a standby replayed to the primary's position (sampled after the read began) takes the read", async () => {
  const primary = fakeDb("primary", () => "0/100");
  const standby = fakeDb("standby", () => "0/100");
  const router = new ReadRouter(primary, standby, { now: tickingClock() });
  expect(await router.target()).toBe("standby");
  expect(router.stats).toMatchObject({ standby: 1, primary: 0 });
});

test("a standby behind is waited for up to maxWaitMs, then the read goes to the primary", async () => {
  let replay = "0/F0";
  const primary = fakeDb("primary", () => "0/100");
  const standby = fakeDb("standby", () => replay);
  const router = new ReadRouter(primary, standby, { now: tickingClock(), maxWaitMs: 1_000_000 });
  const waiting = router.target();
  while (standby.queries < 3) await new Promise((r) => setTimeout(r, 1));
  replay = "0/100"; // replay reaches the caller's write
  expect(await waiting).toBe("standby");

  replay = "0/F0";
  const behind = new ReadRouter(primary, standby, { now: tickingClock(), maxWaitMs: 10 });
  expect(await behind.target()).toBe("primary");
  expect(behind.stats).toMatchObject({ primary: 1, lagging: 1, standby: 0 });
});

test("a standby that fails is left alone for downForMs: reads go to the primary without asking it", async () => {
  let now = 0;
  const primary = fakeDb("primary", () => "0/100");
  const standby = fakeDb("standby", () => new Error("connect ECONNREFUSED"));
  const router = new ReadRouter(primary, standby, { now: () => now, downForMs: 1_000 });
  expect(await router.target()).toBe("primary");
  const asked = standby.queries;
  now = 999;
  expect(await router.target()).toBe("primary");
  expect(standby.queries).toBe(asked);
  now = 1_001;
  await router.target();
  expect(standby.queries).toBe(asked + 1);
  expect(router.stats.unavailable).toBe(2);
});

test("a promoted standby (no replay position) is no standby: reads go to the primary", async () => {
  const router = new ReadRouter(
    fakeDb("primary", () => "0/100"),
    fakeDb("standby", () => null),
    { now: tickingClock() },
  );
  expect(await router.target()).toBe("primary");
  expect(router.stats.unavailable).toBe(1);
});

test("run: a read the standby fails is done again on the primary; an answer of the application's is not", async () => {
  const primary = fakeDb("primary", () => "0/100");
  const standby = fakeDb("standby", () => "0/100");
  const router = new ReadRouter(primary, standby, { now: tickingClock(), downForMs: 0 });
  const on = router.per((db) => (db as unknown as { name: string }).name);
  const seen: string[] = [];
  const result = await on.run(async (name) => {
    seen.push(name);
    if (name === "standby") throw Object.assign(new Error("canceling statement due to conflict with recovery"), { code: "40001" });
    return name;
  });
  expect(result).toBe("primary");
  expect(seen).toEqual(["standby", "primary"]);

  seen.length = 0;
  await expect(
    on.run(async (name) => {
      seen.push(name);
      throw new NotFoundError("task not found");
    }),
  ).rejects.toBeInstanceOf(NotFoundError);
  expect(seen).toEqual(["standby"]);
});

describe("FreshSample: a value from a query sent at or after the read began", () => {
  test("reads that began before a query was sent share it; one that began after waits for the next", async () => {
    let now = 0;
    const releases: ((v: number) => void)[] = [];
    const sample = new FreshSample(() => new Promise<number>((r) => releases.push(r)), () => now);
    now = 10;
    const a = sample.get(5);
    const b = sample.get(10); // began at 10, the query was sent at 10: shared
    expect(releases).toHaveLength(1);
    now = 11;
    const c = sample.get(11); // began after the query in flight was sent: queued behind it
    const d = sample.get(11); // and shares the queued one
    expect(releases).toHaveLength(1);
    releases[0]!(1);
    expect(await a).toBe(1);
    expect(await b).toBe(1);
    while (releases.length < 2) await new Promise((r) => setImmediate(r));
    releases[1]!(2);
    expect(await c).toBe(2);
    expect(await d).toBe(2);
  });

  test("a failed query is not reused", async () => {
    let fail = true;
    const sample = new FreshSample(async () => {
      if (fail) throw new Error("down");
      return 7;
    });
    await expect(sample.get(0)).rejects.toThrow("down");
    fail = false;
    expect(await sample.get(0)).toBe(7);
  });
});

import { asWorkStartedAt, Db, openDatabase } from "./index";

let db: Db;
beforeAll(async () => {
  db = openDatabase({});
  await db.raw("create table counter (id int primary key, n int not null)");
  await db("counter").insert({ id: 1, n: 0 });
});
afterAll(() => db.destroy());

/** A promise the test resolves by hand: ordering is forced, never timed. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}

test("two concurrent transactions on the single PGlite session run one after the other", async () => {
  const log: string[] = [];
  const firstInside = gate();
  const releaseFirst = gate();

  const first = db.transaction(async (trx) => {
    log.push("A begin");
    const { n } = await trx("counter").where({ id: 1 }).first();
    firstInside.open();
    await releaseFirst.opened;
    await trx("counter").where({ id: 1 }).update({ n: n + 1 });
    log.push("A commit");
  });
  await firstInside.opened;

  const second = db.transaction(async (trx) => {
    log.push("B begin");
    const { n } = await trx("counter").where({ id: 1 }).first();
    await trx("counter").where({ id: 1 }).update({ n: n + 1 });
    log.push("B commit");
  });
  // Give B every chance to start while A is open: with a shared session it would interleave here.
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  expect(log).toEqual(["A begin"]);

  releaseFirst.open();
  await Promise.all([first, second]);
  expect(log).toEqual(["A begin", "A commit", "B begin", "B commit"]);
  expect((await db("counter").where({ id: 1 }).first()).n).toBe(2);
});

test("a rolled-back transaction leaves nothing behind for the next one", async () => {
  await expect(
    db.transaction(async (trx) => {
      await trx("counter").where({ id: 1 }).update({ n: 100 });
      throw new Error("abort");
    }),
  ).rejects.toThrow("abort");
  expect((await db("counter").where({ id: 1 }).first()).n).toBe(2);
});

test("the event loop turns between queued statements, so a busy process still reads and accepts sockets", async () => {
  // libuv accepts one connection per poll; if the session went from statement to statement in
  // microtasks, a queue kept full by 100 connections would hold the poll off for seconds.
  let done = 0;
  const statements = Array.from({ length: 20 }, () => db.raw("select 1").then(() => done++));
  const doneAtFirstTurn = await new Promise<number>((resolve) => setImmediate(() => resolve(done)));
  await Promise.all(statements);
  expect(done).toBe(20);
  expect(doneAtFirstTurn).toBeLessThan(3);
});

test("the session goes to the work that began first, whichever asks first", async () => {
  const entered = gate();
  const release = gate();
  const holder = db.transaction(async (trx) => {
    await trx.raw("select 1");
    entered.open();
    await release.opened;
  });
  await entered.opened;
  const order: string[] = [];
  // A request that arrived just now asks before one that arrived a second ago.
  const newer = asWorkStartedAt(performance.now(), () => db.raw("select 1").then(() => order.push("newer")));
  const older = asWorkStartedAt(performance.now() - 1_000, () => db.raw("select 1").then(() => order.push("older")));
  release.open();
  await Promise.all([holder, newer, older]);
  expect(order).toEqual(["older", "newer"]);
});

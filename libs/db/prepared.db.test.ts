import { postgresDb } from "../../test/support/db";
import { openDatabase, type Db } from "./index";
import { MAX_NAMED_STATEMENTS, prepared, preparedReplanned } from "./prepared";

let db: Db;
let url: string;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ db, url, close } = await postgresDb(1));
  await db.schema.createTable("things", (t) => {
    t.integer("id").primary();
    t.text("name");
  });
  await db("things").insert([{ id: 1, name: "one" }, { id: 2, name: "two" }]);
});
afterAll(() => close?.());

test("a prepared read answers as the builder would, compiled once, under its statement name on the connection", async () => {
  const qb = db("things").select("id", "name").where("id", 2).first();
  const compile = jest.spyOn(db.client, "queryCompiler");
  const statement = prepared(db, qb);
  expect(compile).toHaveBeenCalledTimes(1);
  expect(await statement).toEqual({ id: 2, name: "two" });
  expect(compile).toHaveBeenCalledTimes(1);
  compile.mockRestore();
  expect(await prepared(db, db("things").select("id", "name").where("id", 1).first())).toEqual({ id: 1, name: "one" });
  const { rows } = await db.raw("select name, statement from pg_prepared_statements");
  expect(rows).toEqual([{ name: expect.stringMatching(/^tg_/), statement: expect.stringContaining('from "things"') }]);
});

/** What a statement sees of the session it runs in: its plan mode, and the statements prepared there. */
const sessionOf = (on: Db) =>
  on.raw("select current_setting('plan_cache_mode') as mode, array(select name from pg_prepared_statements order by name) as names, ?::int as n", [7]);

test("a replanned read runs named on a session that plans every call with its values; the main pool keeps its plans", async () => {
  const { rows } = await preparedReplanned<{ rows: { mode: string; names: string[]; n: number }[] }>(db, sessionOf(db));
  expect(rows).toEqual([{ mode: "force_custom_plan", names: [expect.stringMatching(/^tg_/)], n: 7 }]);
  expect(await preparedReplanned(db, db("things").select("id", "name").where("name", "two"))).toEqual([{ id: 2, name: "two" }]);
  const main = await sessionOf(db);
  expect(main.rows[0].mode).toBe("auto");
  expect(main.rows[0].names).not.toContain(rows[0]!.names[0]);
});

test("within a transaction a replanned read runs unnamed on the transaction's own connection", async () => {
  const before = (await sessionOf(db)).rows[0].names;
  await db.transaction(async (trx) => {
    await trx("things").insert({ id: 3, name: "three" });
    expect(await preparedReplanned(trx, trx("things").select("name").where("id", 3))).toEqual([{ name: "three" }]);
    const { rows } = await preparedReplanned<{ rows: { mode: string; names: string[] }[] }>(trx, sessionOf(trx));
    // The pool's one connection: what it had prepared before, and nothing more.
    expect(rows[0]).toMatchObject({ mode: "auto", names: before });
    throw new Error("roll back");
  }).catch((err: Error) => expect(err.message).toBe("roll back"));
  expect(await db("things").where("id", 3)).toEqual([]);
});

test("destroying the handle closes its replanned pool too, and no read after it opens one again", async () => {
  const other = openDatabase({ databaseUrl: url, poolSize: 2 });
  const backends = async () => Number((await db.raw("select count(*) as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()")).rows[0].n);
  const before = await backends();
  await preparedReplanned(other, other("things").select("id").where("id", 1));
  await other.raw("select 1");
  expect(await backends()).toBe(before + 2);
  await other.destroy();
  for (let i = 0; i < 50 && (await backends()) > before; i++) await new Promise((r) => setImmediate(r));
  expect(await backends()).toBe(before);
  // A read arriving after shutdown fails as the handle's own reads do, and opens nothing again,
  // even where the second pool had never been opened.
  const unused = openDatabase({ databaseUrl: url, poolSize: 2 });
  await unused.destroy();
  for (const handle of [other, unused]) await expect(preparedReplanned(handle, handle("things").select("id"))).rejects.toThrow();
  expect(await backends()).toBe(before);
});

test("replanned statements have their own budget of names: many search shapes leave the list pages theirs", async () => {
  const mainNames = async () => ((await sessionOf(db)).rows[0].names as string[]).length;
  const before = await mainNames();
  for (let i = 0; i < MAX_NAMED_STATEMENTS + 5; i++) await preparedReplanned(db, db.raw(`select ?::int as shape_${i}`, [i]));
  const { rows } = await preparedReplanned<{ rows: { names: string[] }[] }>(db, sessionOf(db));
  // The budget is the process's: a few of it went to the statements of the tests above.
  expect(rows[0]!.names.length).toBeGreaterThan(MAX_NAMED_STATEMENTS - 5);
  expect(rows[0]!.names.length).toBeLessThanOrEqual(MAX_NAMED_STATEMENTS);
  await prepared(db, db("things").select("id").where("name", "one"));
  expect(await mainNames()).toBe(before + 1);
});

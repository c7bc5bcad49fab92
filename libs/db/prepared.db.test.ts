import { postgresDb } from "../../test/support/db";
import type { Db } from "./index";
import { prepared } from "./prepared";

let db: Db;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ db, close } = await postgresDb(1));
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

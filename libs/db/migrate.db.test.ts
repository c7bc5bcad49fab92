import { postgresDb } from "../../test/support/db";
import { openDatabase } from "./index";
import { Migration, migrateSchema } from "./migrate";

const migrations: Migration[] = [
  {
    name: "0001_widgets",
    async up(db) {
      await db.schema.withSchema("widgets").createTable("widgets", (t) => t.increments("id"));
    },
  },
];

test("replicas starting together on Postgres migrate a schema exactly once", async () => {
  const pg = await postgresDb(2);
  const replicas = [pg.db, openDatabase({ databaseUrl: pg.url, poolSize: 2 }), openDatabase({ databaseUrl: pg.url, poolSize: 2 })];
  try {
    await Promise.all(replicas.map((db) => migrateSchema(db, "widgets", migrations)));
    const applied = await pg.db("widgets.knex_migrations").select("name");
    expect(applied).toEqual([{ name: "0001_widgets" }]);
    await migrateSchema(pg.db, "widgets", migrations);
    expect(await pg.db("widgets.knex_migrations").count({ n: "*" })).toEqual([{ n: 1 }]);
  } finally {
    await Promise.all(replicas.slice(1).map((db) => db.destroy()));
    await pg.close();
  }
});

test("on PGlite the same migrations run and are idempotent", async () => {
  const db = openDatabase({});
  try {
    await migrateSchema(db, "widgets", migrations);
    await migrateSchema(db, "widgets", migrations);
    expect(await db("widgets.widgets").insert({}).returning("id")).toEqual([{ id: 1 }]);
  } finally {
    await db.destroy();
  }
});

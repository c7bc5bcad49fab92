import { Db, openDatabase } from "../../libs/db";
import { Migration, migrateSchema } from "../../libs/db/migrate";
import { createDatabase } from "./stack";

export interface SchemaMigrations {
  schema: string;
  migrations: Migration[];
}

/** An in-memory PGlite with the given service schemas migrated: the embedded engine, per test file. */
export async function memoryDb(...schemas: SchemaMigrations[]): Promise<Db> {
  const db = openDatabase({});
  for (const s of schemas) await migrateSchema(db, s.schema, s.migrations);
  return db;
}

/** A fresh database on the local Postgres, dropped by `close()`. */
export async function postgresDb(poolSize = 5, ...schemas: SchemaMigrations[]): Promise<{ db: Db; url: string; close(): Promise<void> }> {
  const created = await createDatabase();
  const db = openDatabase({ databaseUrl: created.url, poolSize });
  for (const s of schemas) await migrateSchema(db, s.schema, s.migrations);
  return {
    db,
    url: created.url,
    async close() {
      await db.destroy();
      await created.drop();
    },
  };
}

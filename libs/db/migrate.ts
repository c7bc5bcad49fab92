import { createHash } from "node:crypto";
import { Knex } from "knex";
import { Db, isEmbedded } from "./index";

export interface Migration {
  name: string;
  up(db: Knex): Promise<void>;
  down?(db: Knex): Promise<void>;
}

/** Serves a service's migrations from an explicit list, so the same code runs under tsx, jest and compiled JS. */
class ListMigrationSource implements Knex.MigrationSource<Migration> {
  constructor(private readonly migrations: Migration[]) {}
  async getMigrations(): Promise<Migration[]> {
    return this.migrations;
  }
  getMigrationName(m: Migration): string {
    return m.name;
  }
  async getMigration(m: Migration): Promise<Knex.Migration> {
    return { up: m.up, down: m.down ?? (async () => undefined) };
  }
}

function lockKey(schema: string): number {
  return createHash("sha256").update(`todogenie:migrate:${schema}`).digest().readInt32BE(0);
}

/**
 * Brings a service's schema up to date. Several replicas may start at once: a session
 * advisory lock serialises them around schema creation, and knex's own lock table guards
 * the migrations themselves.
 */
export async function migrateSchema(db: Db, schema: string, migrations: Migration[], tableName = "knex_migrations"): Promise<void> {
  const run = async () => {
    await db.raw("create schema if not exists ??", [schema]);
    await db.migrate.latest({
      schemaName: schema,
      tableName,
      migrationSource: new ListMigrationSource(migrations),
    });
  };
  if (isEmbedded(db)) return run();

  const connection = await db.client.acquireConnection();
  try {
    await db.raw("select pg_advisory_lock(?)", [lockKey(schema)]).connection(connection);
    try {
      await run();
    } finally {
      await db.raw("select pg_advisory_unlock(?)", [lockKey(schema)]).connection(connection);
    }
  } finally {
    await db.client.releaseConnection(connection);
  }
}

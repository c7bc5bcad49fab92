import { mkdirSync } from "node:fs";
import path from "node:path";
import { Extension, PGlite } from "@electric-sql/pglite";
import knexFactory, { Knex } from "knex";
import ClientPgLite from "knex-pglite";
import pg from "pg";

// The contrib entry is typed as ESM only; its CommonJS build is what Node loads here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { pg_trgm } = require("@electric-sql/pglite/contrib/pg_trgm") as { pg_trgm: Extension };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { btree_gin } = require("@electric-sql/pglite/contrib/btree_gin") as { btree_gin: Extension };

export type Db = Knex;
export type Trx = Knex.Transaction;

// Counts arrive as int8; every count we read fits a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export interface DatabaseOptions {
  /** A Postgres URL; without it the database is PGlite (in memory when dataDir is omitted). */
  databaseUrl?: string;
  dataDir?: string;
  poolSize?: number;
}

/**
 * Opens the process's one database handle. Embedded mode is a single PGlite session, so the
 * pool is exactly one connection and transactions queue instead of interleaving.
 */
export function openDatabase(options: DatabaseOptions): Db {
  if (options.databaseUrl) {
    return knexFactory({
      client: "pg",
      connection: { connectionString: options.databaseUrl, application_name: "todogenie" },
      pool: { min: 0, max: options.poolSize ?? 10 },
    });
  }
  let dataPath: string | undefined;
  if (options.dataDir) {
    dataPath = path.join(options.dataDir, "pgdata");
    mkdirSync(dataPath, { recursive: true });
  }
  const pglite = new PGlite(dataPath, { extensions: { pg_trgm, btree_gin } });
  return knexFactory({ client: ClientPgLite, dialect: "postgres", connection: () => ({ pglite }) } as Knex.Config);
}

export function isEmbedded(db: Db): boolean {
  return (db.client as { pglite?: unknown }).pglite !== undefined;
}

export async function ping(db: Db): Promise<void> {
  await db.raw("select 1");
}

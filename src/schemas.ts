import { createHash } from "node:crypto";
import type { Db } from "../libs/db";
import { Migration, migrateSchema } from "../libs/db/migrate";
import type { Schemas } from "../libs/db/migrated-cluster";
import { CONSUMER_SCHEMAS, DEAD_LETTER_MIGRATIONS_TABLE, deadLetterMigrations } from "../libs/dead-letters";
import { AUTH_SCHEMA, migrations as auth } from "../services/gateway/migrations";
import { NOTIFY_SCHEMA, migrations as notify } from "../services/notify/migrations";
import { SCHEDULER_SCHEMA, migrations as scheduler } from "../services/scheduler/migrations";
import { SEARCH_SCHEMA, migrations as search } from "../services/search/migrations";
import { TASKS_SCHEMA, migrations as tasks } from "../services/tasks/migrations";

/** Every migration of every service, as each service runs it at its start (embedded search is Postgres). */
const ALL: { schema: string; migrations: Migration[]; table?: string }[] = [
  { schema: AUTH_SCHEMA, migrations: auth },
  { schema: TASKS_SCHEMA, migrations: tasks },
  { schema: SEARCH_SCHEMA, migrations: search },
  { schema: SCHEDULER_SCHEMA, migrations: scheduler },
  { schema: NOTIFY_SCHEMA, migrations: notify },
  ...CONSUMER_SCHEMAS.map((schema) => ({ schema, migrations: deadLetterMigrations(schema), table: DEAD_LETTER_MIGRATIONS_TABLE })),
];

/**
 * The whole embedded database's schemas, for a migrated copy of the cluster (libs/db/migrated-cluster).
 * The key covers every migration's name and code: a released migration never changes, and a new
 * one (a new name) makes a new copy.
 */
export const allSchemas: Schemas = {
  key: createHash("sha256")
    .update(JSON.stringify(ALL.map((s) => [s.schema, s.table ?? "", s.migrations.map((m) => [m.name, String(m.up)])])))
    .digest("hex"),
  async migrate(db: Db) {
    for (const s of ALL) await migrateSchema(db, s.schema, s.migrations, s.table);
  },
};

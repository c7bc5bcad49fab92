import { createHash } from "node:crypto";
import type { Knex } from "knex";

/**
 * Distinct statements one process names. Each server session keeps what it prepared until it
 * closes, so past this the rest run unnamed, as before.
 */
export const MAX_NAMED_STATEMENTS = 200;

const named = new Set<string>();

/** A Postgres server rather than PGlite, which runs in this process: what it saves a server costs the process itself. */
export const isPostgresServer = (db: Knex): boolean => db.client.config.client === "pg";

/**
 * Runs `qb` as a named prepared statement, so each connection parses and plans it once instead
 * of on every call. With the tasks table's 24 indexes, planning a list page costs four times its
 * execution (0.42 ms against 0.10: bench/RESULTS.md).
 *
 * Only for statements whose plan made without the values is right for all of them: after five
 * executions Postgres may keep such a generic plan. A primary-key lookup is; so is a list page
 * whose segments each walk an owner-led index in its sort order. A filter whose selectivity
 * depends on its value (a tag, a due range) is not: its callers leave it unnamed (see
 * `planIsValueFree` in services/tasks/task-list.ts, and the generic plans list-plans.db.test.ts checks). The statement
 * names its columns, so a column added by a later migration does not change its result type
 * (which Postgres refuses for a prepared `select *`). PGlite (embedded) runs it as it is.
 * The builder is compiled here: run what this returns as it is, since later changes to it are not seen.
 */
export function prepared<T extends Knex.QueryBuilder>(db: Knex, qb: T): T {
  if (!isPostgresServer(db)) return qb;
  const compiled = qb.toSQL();
  const name = `tg_${createHash("sha1").update(compiled.sql).digest("base64url")}`;
  if (named.has(name) || named.size < MAX_NAMED_STATEMENTS) {
    named.add(name);
    compiled.options = { ...compiled.options, name };
  }
  // The runner compiles a builder again when it runs it; this one runs what was compiled here
  // (knex's compiler was about a tenth of the tasks process's CPU on a list page).
  return Object.assign(qb, { toSQL: () => compiled });
}

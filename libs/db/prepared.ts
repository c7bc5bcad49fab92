import { createHash } from "node:crypto";
import type { Knex } from "knex";
import type { SessionClient } from "./index";

/**
 * Distinct statements one process names, for each kind (`prepared`, `preparedReplanned`). Each
 * server session keeps what it prepared until it closes, so past this the rest run unnamed, as
 * before. Separate budgets: searches come in many shapes (words, projects, filters), and must not
 * use up the names of the list pages that gain most from them.
 */
export const MAX_NAMED_STATEMENTS = 200;

const plannedOnce = new Set<string>();
const replanned = new Set<string>();

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
 * depends on its value (a tag, a due range) is not: its callers run it with `preparedReplanned` (see
 * `planIsValueFree` in services/tasks/task-list.ts, and the generic plans list-plans.db.test.ts checks).
 * A prepared statement, of either kind, names its columns, so a column added by a later migration
 * does not change its result type (which Postgres refuses for a prepared `select *`). PGlite (embedded) runs it as it is.
 * The builder is compiled here: run what this returns as it is, since later changes to it are not seen.
 */
export function prepared<T extends Knex.QueryBuilder>(db: Knex, qb: T): T {
  if (!isPostgresServer(db)) return qb;
  return named(qb, plannedOnce);
}

/** `qb` compiled once, under a statement name while this process has names to spare. */
function named<T extends Knex.QueryBuilder | Knex.Raw>(qb: T, names: Set<string>): T {
  const compiled = qb.toSQL();
  const name = `tg_${createHash("sha1").update(compiled.sql).digest("base64url")}`;
  if (names.has(name) || names.size < MAX_NAMED_STATEMENTS) {
    names.add(name);
    compiled.options = { ...compiled.options, name };
  }
  // The runner compiles a builder again when it runs it; this one runs what was compiled here
  // (knex's compiler was about a tenth of the tasks process's CPU on a list page).
  return Object.assign(qb, { toSQL: () => compiled });
}

interface ReplannedPool {
  open(): Knex;
  pool?: Knex;
  /** Destroyed with its handle: a read arriving during shutdown must not open the pool again. */
  closed?: boolean;
}

const replannedPools = new WeakMap<Knex, ReplannedPool>();

/**
 * Gives `db` a second pool, opened on first use by `open`, whose sessions plan every execution of
 * a prepared statement with its values (`plan_cache_mode = force_custom_plan`): see
 * `preparedReplanned`. `db.destroy()` closes both.
 */
export function withReplannedPool(db: Knex, open: () => Knex): Knex {
  const entry: ReplannedPool = { open };
  replannedPools.set(db, entry);
  // knex's own `destroy` is read-only; it ends by destroying its client, which is not.
  const client = db.client as { destroy(callback?: unknown): Promise<void> };
  const destroy = client.destroy.bind(client);
  client.destroy = async (callback) => {
    entry.closed = true;
    await entry.pool?.destroy();
    return destroy(callback);
  };
  return db;
}

/**
 * Runs `qb` as a named prepared statement on the replanned pool: parsed and analysed once per
 * connection, planned on every call with its values. For the statements `prepared` must not take,
 * whose right plan depends on their values (a tag, a priority, a search's words). Unnamed, a list
 * page with a tag cost Postgres 0.70 ms a call, 0.31 ms this way (0.08 ms fully prepared); a
 * heavy user's page, which Postgres spends executing, about the same (bench/RESULTS.md).
 * Within a transaction (`db` is not a pool of ours), on PGlite, or once `db` is destroyed, it runs as it is.
 */
export async function preparedReplanned<R>(db: Knex, qb: Knex.QueryBuilder | Knex.Raw): Promise<R> {
  const entry = replannedPools.get(db);
  if (!entry || entry.closed) return qb as unknown as Promise<R>;
  entry.pool ??= entry.open();
  const client = entry.pool.client as SessionClient;
  const connection = await client.acquireConnection();
  try {
    return (await named(qb, replanned).connection(connection)) as R;
  } finally {
    await client.releaseConnection(connection);
  }
}

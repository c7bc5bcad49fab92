import type { Knex } from "knex";
import { ListTasksQuery, priorityRank, SortTerm, TASK_STATUSES, TaskStatus } from "../contracts";
import { and, Cond, or } from "./conditions";
import { afterCursor, DueMode, dueModeCond } from "./keyset";
import { CursorValue, DUE_SORT_EXPR, DUE_SORT_KEY, SORT_COLUMNS, withTieBreak } from "./sort-columns";

export interface ListSqlOptions {
  /** `schema.table` with the list columns (id, owner_id, project_id, status, priority, due_at, created_at, updated_at, title, tags). */
  table: string;
  select: string[];
  /**
   * What every row must satisfy besides the filters: one entry per alternative of the
   * caller's visibility (see rulesToSqlBranches), each with any engine condition. Each
   * alternative gets its own segments; rows two alternatives share are merged once.
   */
  scopes: ((qb: Knex.QueryBuilder) => void)[];
  query: ListTasksQuery;
  sort: SortTerm[];
  /** The cursor's values, one per key of the full order. */
  after?: CursorValue[];
  /** Rows to fetch: a page plus one, to know whether another follows. */
  fetch: number;
  now: Date;
  /**
   * One query for all statuses instead of a segment each: for conditions an index finds
   * few rows for (a typo search), where each segment would repeat that work. Default false.
   */
  single?: boolean;
}

/** The columns a list query reads: the caller's, and the due key its merge may order by. */
const columnsOf = (db: Knex, options: ListSqlOptions) => [...options.select, db.raw(`${DUE_SORT_EXPR} as ${DUE_SORT_KEY}`)];

const apply = (qb: Knex.QueryBuilder, cond: Cond) => {
  if (cond === false) qb.whereRaw("false");
  else if (cond !== true) qb.whereRaw(cond.sql, cond.bindings as Knex.Value[]);
};

/** The statuses a list reads: a segment each, so every segment is one ordered index range. */
export function statusesOf(query: ListTasksQuery): TaskStatus[] {
  const statuses = query.status?.length ? query.status : [...TASK_STATUSES];
  return query.overdue ? statuses.filter((s) => s !== "done") : statuses;
}

/** The filters besides status (AND across filters, OR within a comma list). */
export function applyFilters(qb: Knex.QueryBuilder, query: ListTasksQuery, now: Date): void {
  // Priorities are written into the statement, not bound (ranks are numbers, so nothing else can be):
  // each subset gets a statement of its own, whose plan made once knows it (see `planIsValueFree`).
  if (query.priority?.length) {
    const ranks = query.priority.map(priorityRank);
    qb.whereRaw(`priority in (${ranks.join(", ")})`);
    // In a priority order, a redundant range bounds the scan: an index cannot keep its order for an
    // `in` list, so without it a last page walked the rest of its segment through the filter. In
    // any other order it would lead the planner to read every row in the range and sort them.
    if (query.sort?.[0]?.key === "priority") qb.whereRaw(`priority between ${Math.min(...ranks)} and ${Math.max(...ranks)}`);
  }
  if (query.tag?.length) qb.whereRaw("tags && ?::text[]", [query.tag]);
  if (query.projectId?.length) qb.whereIn("project_id", query.projectId);
  // On the sort expression, so a due-ordered scan starts and stops at the range's ends.
  if (query.dueFrom) qb.whereRaw(`${DUE_SORT_EXPR} >= ?::timestamptz and ${DUE_SORT_EXPR} < 'infinity'::timestamptz`, [query.dueFrom]);
  if (query.dueTo) qb.whereRaw(`${DUE_SORT_EXPR} < ?::timestamptz`, [query.dueTo]);
  if (query.parentId) qb.where("parent_id", query.parentId);
  if (query.topLevel) qb.whereNull("parent_id");
  // Written in, so the partial `where blocked` indexes match whatever the plan knows.
  if (query.blocked !== undefined) qb.whereRaw(query.blocked ? "blocked" : "not blocked");
  if (query.overdue) qb.whereRaw(`${DUE_SORT_EXPR} < ?::timestamptz`, [now.toISOString()]);
}

/**
 * One page of a filtered, sorted list, built (not run) so its plan can be inspected.
 *
 * The plain form, `WHERE owner AND status IN (...) ORDER BY due LIMIT 50`, reads and sorts
 * every matching row of a heavy user. Instead the list is cut into segments, one per
 * visibility alternative and status (and, for a descending due date, dated and undated),
 * each an ordered scan of an `(owner_id, status, <first key>, ...)` index that stops after
 * a page; the outer ORDER BY merges those short runs. The same shape serves every keyset page.
 */
export function buildListSql(db: Knex, options: ListSqlOptions): Knex.QueryBuilder {
  const order = withTieBreak(options.sort);
  const dueDesc = options.sort.some((t) => t.key === "dueAt" && t.desc);
  const dueModes: DueMode[] = dueDesc ? ["dated", "undated"] : ["any"];
  if (options.single) return singleListSql(db, options, order, dueModes);
  const segments: Knex.QueryBuilder[] = [];
  const statuses = statusesOf(options.query);
  for (const scope of options.scopes) {
    for (const status of statuses) {
      for (const due of dueModes) {
        const qb = db(options.table).select(columnsOf(db, options)).where("status", status);
        scope(qb);
        applyFilters(qb, options.query, options.now);
        apply(qb, dueModeCond(due));
        if (options.after) apply(qb, afterCursor(order, options.after, due));
        const terms = order.filter((t) => !(t.key === "dueAt" && due === "undated"));
        qb.orderByRaw(terms.map((t) => `${SORT_COLUMNS[t.key].expr} ${t.desc ? "desc" : "asc"}`).join(", "));
        segments.push(qb.limit(options.fetch));
      }
    }
  }
  if (segments.length === 0) return db(options.table).select(columnsOf(db, options)).whereRaw("false");
  if (segments.length === 1) return segments[0]!;
  const union = db.unionAll(segments, true);
  const merged = db.select("*").from(union.as("page"));
  // Alternatives of visibility may overlap (an owner's task in a shared project): once each. A
  // row's copies agree on every key of the order, so they are neighbours in it, and DISTINCT ON
  // those keys drops them as the merge reads them (on `id` alone it would sort the runs by id).
  if (options.scopes.length > 1) merged.distinctOn(withTieBreak(options.sort).map((t) => SORT_COLUMNS[t.key].outerColumn(t.desc)));
  return merged.orderByRaw(mergedOrderSql(options.sort)).limit(options.fetch);
}

/** The ORDER BY of a merged page, over the columns a list selects (`SortColumn.outer`), tie-break included. */
export const mergedOrderSql = (sort: SortTerm[]): string => withTieBreak(sort).map((t) => SORT_COLUMNS[t.key].outer(t.desc)).join(", ");

/** The unsegmented form: every status and both due parts in one query, sorted by the merge order. */
function singleListSql(db: Knex, options: ListSqlOptions, order: ReturnType<typeof withTieBreak>, dueModes: DueMode[]): Knex.QueryBuilder {
  const statuses = statusesOf(options.query);
  const qb = db(options.table).select(columnsOf(db, options));
  if (statuses.length === 0) return qb.whereRaw("false");
  qb.whereIn("status", statuses);
  qb.where((any) => options.scopes.forEach((scope) => any.orWhere((branch) => scope(branch))));
  applyFilters(qb, options.query, options.now);
  if (options.after) {
    const after = options.after;
    apply(qb, dueModes.reduce<Cond>((any, due) => or(any, and(dueModeCond(due), afterCursor(order, after, due))), false));
  }
  return qb.orderByRaw(mergedOrderSql(options.sort)).limit(options.fetch);
}

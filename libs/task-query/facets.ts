import type { Knex } from "knex";
import { Facet, FacetCounts, ListTasksQuery, MAX_FACET_VALUES, PRIORITIES } from "../contracts";
import { preparedReplanned } from "../db/prepared";
import { applyFilters, statusesOf } from "./list-sql";

/**
 * Facet counts read at most this many matching rows (5,000 took the heavy user's prefix + facets
 * to p95 160 ms at 10 connections, 2,000 to 122 ms: bench/RESULTS.md). A heavy user's broad query matches up
 * to 100,000 tasks; counting them all would cost what ranking them all does (PERFORMANCE.md),
 * so past this the counts are of the first rows the index yields and the answer says so.
 */
export const FACET_SAMPLE = 2_000;

export interface FacetSqlOptions {
  /** `schema.table` with the list columns (see ListSqlOptions). */
  table: string;
  /** The caller's visibility alternatives with any engine condition, as for lists (OR'ed here). */
  scopes: ((qb: Knex.QueryBuilder) => void)[];
  query: ListTasksQuery;
  facets: Facet[];
  now: Date;
}

const GROUPS: Record<Facet, string> = {
  status: "select 'status' as f, status as v, count(*)::int as n from m group by status",
  priority: "select 'priority' as f, priority::text as v, count(*)::int as n from m group by priority",
  projectId: "select 'projectId' as f, project_id::text as v, count(*)::int as n from m where project_id is not null group by project_id",
  tag: `select * from (select 'tag' as f, t as v, count(*)::int as n from m, unnest(tags) t group by t order by n desc, t limit ${MAX_FACET_VALUES}) tags`,
};

/** The counting query, built and not run (so its plan can be inspected): one scan of a capped match set, one grouping per facet. */
export function facetSql(db: Knex, options: FacetSqlOptions): Knex.Raw {
  const statuses = statusesOf(options.query);
  const matches = db(options.table).select("status", "priority", "project_id", "tags");
  if (statuses.length === 0 || options.scopes.length === 0) matches.whereRaw("false");
  else matches.whereIn("status", statuses);
  matches.where((any) => options.scopes.forEach((scope) => any.orWhere((branch) => scope(branch))));
  applyFilters(matches, options.query, options.now);
  matches.limit(FACET_SAMPLE + 1);
  const { sql, bindings } = matches.toSQL();
  const groups = [...new Set(options.facets)].map((f) => GROUPS[f]);
  return db.raw(
    `with m as materialized (${sql}) select 'total' as f, null as v, count(*)::int as n from m` + groups.map((g) => ` union all (${g})`).join(""),
    bindings as Knex.RawBinding[],
  );
}

/** Grouped counts for the same filters (and text match) as a list. */
export async function facetCounts(db: Knex, options: FacetSqlOptions): Promise<{ facets: FacetCounts; complete: boolean }> {
  const { rows } = await preparedReplanned<{ rows: unknown[] }>(db, facetSql(db, options));
  const facets: FacetCounts = Object.fromEntries(options.facets.map((f) => [f, {}]));
  let total = 0;
  for (const r of rows as { f: Facet | "total"; v: string; n: number }[]) {
    if (r.f === "total") total = r.n;
    else facets[r.f]![r.f === "priority" ? PRIORITIES[Number(r.v)]! : r.v] = r.n;
  }
  // Past the sample the counts describe the first rows the index yielded (one more than the
  // sample, which only tells that there are more): a sample, said so.
  return { facets, complete: total <= FACET_SAMPLE };
}

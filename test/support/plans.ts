import type { Knex } from "knex";

/** One node of `EXPLAIN (ANALYZE, FORMAT JSON)`, with the fields plan tests read. */
export interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  "Actual Rows": number;
  "Actual Loops": number;
  "Rows Removed by Filter"?: number;
  Plans?: PlanNode[];
}

const flatten = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(flatten)];

/** Runs a built query under EXPLAIN ANALYZE and returns every node of its plan. */
export async function analyze(db: Knex, built: Knex.QueryBuilder): Promise<PlanNode[]> {
  const { sql, bindings } = built.toSQL();
  const { rows } = await db.raw(`explain (analyze, format json) ${sql}`, bindings as never);
  return flatten(rows[0]["QUERY PLAN"][0].Plan);
}

/**
 * The same, with the plan Postgres makes without the values (a prepared statement's generic plan,
 * which it may keep after five executions: libs/db/prepared.ts).
 */
export async function analyzeGeneric(db: Knex, built: Knex.QueryBuilder): Promise<PlanNode[]> {
  const { sql, bindings } = built.toSQL().toNative();
  // EXECUTE takes no parameters of its own: its arguments are literals.
  const args = bindings.map((v) => db.raw("?", [v as Knex.Value]).toQuery()).join(", ");
  return db.transaction(async (trx) => {
    await trx.raw("set local plan_cache_mode = force_generic_plan");
    await trx.raw(`prepare generic_plan_test as ${sql.replace(/\?/g, "\\?")}`);
    try {
      const { rows } = await trx.raw(`explain (analyze, format json) execute generic_plan_test(${args.replace(/\?/g, "\\?")})`);
      return flatten(rows[0]["QUERY PLAN"][0].Plan);
    } finally {
      await trx.raw("deallocate generic_plan_test");
    }
  });
}

/** The scan nodes of a table; with `indexPrefix`, its bitmap index scans too (they name only the index). */
export function scansOf(plan: PlanNode[], table: string, indexPrefix?: string): PlanNode[] {
  return plan.filter((n) => n["Relation Name"] === table || (indexPrefix !== undefined && n["Index Name"]?.startsWith(indexPrefix)));
}

/** Rows the scans produced or filtered away: what the query really read. */
export function rowsRead(scans: PlanNode[]): number {
  return scans.reduce((sum, n) => sum + (n["Actual Rows"] + (n["Rows Removed by Filter"] ?? 0)) * n["Actual Loops"], 0);
}

export const describeScans = (scans: PlanNode[]) =>
  scans.map((n) => `${n["Node Type"]} ${n["Index Name"] ?? ""} rows=${n["Actual Rows"]} removed=${n["Rows Removed by Filter"] ?? 0}`).join(" / ");

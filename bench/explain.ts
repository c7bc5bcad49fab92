/**
 * Prints EXPLAIN ANALYZE of the list and search queries the services build, for the
 * 100,000-task user of the benchmark database (or USER_ID): `npx tsx bench/explain.ts "q=land&sort=dueAt"`.
 * A search is explained in words mode, or typo mode when its words match no indexed word.
 */
import { packAbility } from "../libs/authz";
import { listTasksQuery, ListTasksQuery } from "../libs/contracts";
import { openDatabase } from "../libs/db";
import type { SearchQuery } from "../services/search/engine";
import { DOC_RULE_COLUMNS, matching, relevanceSql, sortedSql, TextMatch } from "../services/search/pg/pg-search";
import { DOCS } from "../services/search/migrations";
import { expandedTsquery, expandPrefixes, expansionSql, queryWords, visibleScopes } from "../services/search/pg/text-query";
import { abilityFromMeta, rulesToSqlBranches } from "../libs/authz";
import { facetSql } from "../libs/task-query";
import type { Knex } from "knex";
import { listTasksSql } from "../services/tasks/task-list";
import { BENCH_DATABASE_URL, HEAVY_USER } from "./bench-env";

async function main(): Promise<void> {
  const db = openDatabase({ databaseUrl: BENCH_DATABASE_URL, poolSize: 1 });
  const auth = packAbility({ id: process.env.USER_ID ?? HEAVY_USER, roles: ["member"] });
  const query = listTasksQuery.parse(Object.fromEntries(new URLSearchParams(process.argv[2] ?? ""))) as ListTasksQuery;
  const now = new Date();
  const explain = async (title: string, built: { toSQL(): { sql: string; bindings: readonly unknown[] } }) => {
    const { sql, bindings } = built.toSQL();
    const started = process.hrtime.bigint();
    const { rows } = await db.raw(`explain (analyze, buffers) ${sql}`, bindings as never);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    // Then the query alone, warm, RUNS times (default 20): what it costs without EXPLAIN's per-row timing.
    const runs: number[] = [];
    for (let i = 0; i < Number(process.env.RUNS ?? 20); i++) {
      const t0 = process.hrtime.bigint();
      await db.raw(sql, bindings as never);
      runs.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    runs.sort((a, b) => a - b);
    const at = (p: number) => runs[Math.min(runs.length - 1, Math.floor(p * runs.length))]?.toFixed(1);
    process.stdout.write(`--- ${title} (${ms.toFixed(1)} ms with EXPLAIN; alone x${runs.length}: p50 ${at(0.5)} ms, p95 ${at(0.95)} ms)\n`);
    process.stdout.write(rows.map((r: Record<string, string>) => r["QUERY PLAN"]).join("\n") + "\n");
  };
  let built;
  let match: TextMatch | undefined;
  if (!query.q) built = listTasksSql(db, auth, query, now);
  else {
    const scopes = visibleScopes(auth);
    await explain("prefix expansion", expansionSql(db, scopes, queryWords(query.q)));
    const tsquery = expandedTsquery(await expandPrefixes(db, scopes, queryWords(query.q)));
    match = tsquery ? { mode: "words", tsquery, q: query.q } : { mode: "typo", q: query.q };
    process.stdout.write(`match: ${JSON.stringify(match).slice(0, 300)}\n`);
    built = query.sort ? sortedSql(db, auth, query as SearchQuery, match, now) : relevanceSql(db, auth, query as SearchQuery, match, now);
  }
  await explain("page", built);
  if (query.facets?.length) {
    // The search copy with a match, tasks.tasks without (as the services count).
    const text = match;
    const scopes = rulesToSqlBranches(abilityFromMeta(auth), "read", "Task", DOC_RULE_COLUMNS).map((visible) => (qb: Knex.QueryBuilder) => {
      visible(qb);
      if (text) matching(qb, text);
    });
    await explain("facets", facetSql(db, { table: text ? DOCS : "tasks.tasks", scopes, query, facets: query.facets, now }));
  }
  await db.destroy();
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});

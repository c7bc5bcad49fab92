/**
 * Prints EXPLAIN ANALYZE of the list and search queries the services build, for the
 * 100,000-task user of the benchmark database (or USER_ID): `npx tsx bench/explain.ts "q=land&sort=dueAt"`.
 * A search is explained in words mode, or typo mode when its words match no indexed word.
 */
import { packAbility } from "../libs/authz";
import { listTasksQuery, ListTasksQuery } from "../libs/contracts";
import { openDatabase } from "../libs/db";
import type { SearchQuery } from "../services/search/engine";
import { relevanceSql, sortedSql, TextMatch } from "../services/search/pg/pg-search";
import { expandedTsquery, expandPrefixes, queryWords } from "../services/search/pg/text-query";
import { listTasksSql } from "../services/tasks/task-list";
import { BENCH_DATABASE_URL, HEAVY_USER } from "./bench-env";

async function main(): Promise<void> {
  const db = openDatabase({ databaseUrl: BENCH_DATABASE_URL, poolSize: 1 });
  const auth = packAbility({ id: process.env.USER_ID ?? HEAVY_USER, roles: ["member"] });
  const query = listTasksQuery.parse(Object.fromEntries(new URLSearchParams(process.argv[2] ?? ""))) as ListTasksQuery;
  const now = new Date();
  let built;
  if (!query.q) built = listTasksSql(db, auth, query, now);
  else {
    const tsquery = expandedTsquery(await expandPrefixes(db, queryWords(query.q)));
    const match: TextMatch = tsquery ? { mode: "words", tsquery, q: query.q } : { mode: "typo", q: query.q };
    process.stdout.write(`match: ${JSON.stringify(match)}\n`);
    built = query.sort ? sortedSql(db, auth, query as SearchQuery, match, now) : relevanceSql(db, auth, query as SearchQuery, match, now);
  }
  const { sql, bindings } = built.toSQL();
  const { rows } = await db.raw(`explain (analyze, buffers) ${sql}`, bindings as never);
  process.stdout.write(rows.map((r: Record<string, string>) => r["QUERY PLAN"]).join("\n") + "\n");
  await db.destroy();
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});

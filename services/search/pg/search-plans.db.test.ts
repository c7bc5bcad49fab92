import { packAbility } from "../../../libs/authz";
import { listTasksQuery } from "../../../libs/contracts";
import type { Db } from "../../../libs/db";
import { postgresDb } from "../../../test/support/db";
import { analyze, describeScans, PlanNode, rowsRead, scansOf } from "../../../test/support/plans";
import type { SearchQuery } from "../engine";
import { DOCS, migrations, SCOPE_SQL, SCOPE_WORDS, SEARCH_SCHEMA } from "../migrations";
import { relevanceSql, sortedSql, TextMatch } from "./pg-search";
import { expandedTsquery, expandPrefixes, expansionSql, queryWords, visibleScopes } from "./text-query";

/**
 * Full text for a user with 20,000 documents among 200,000 (the benchmark's proportions):
 * every search shape goes through an index led by the owner, and relevance ranks a bounded
 * candidate set, never every match.
 */
const HEAVY = "00000000-0000-4000-8000-00000000beef";
const auth = packAbility({ id: HEAVY, roles: ["member"] });
const NOW = new Date("2026-02-01T00:00:00Z");
let db: Db;
let close: () => Promise<void>;

beforeAll(async () => {
  ({ db, close } = await postgresDb(2, { schema: SEARCH_SCHEMA, migrations }));
  // Values drawn independently (under a fixed seed, in one transaction): correlated columns
  // would make pages look harder or easier than they are.
  await db.transaction(async (trx) => {
    await trx.raw("select setseed(0.5)");
    await trx.raw(
      `insert into ${DOCS} (id, version, deleted, indexed_at, owner_id, status, priority, due_at, created_at, updated_at, title, tags, doc, tsv)
       select gen_random_uuid(), 1, false, now(),
              case when g % 10 = 0 then ?::uuid else ('00000000-0000-4000-8000-' || lpad((g % 2000)::text, 12, '0'))::uuid end,
              (array['todo','in_progress','done'])[1 + floor(r.s * 3)::int], floor(r.p * 5)::int,
              case when r.d < 0.75 then '2026-01-01'::timestamptz + floor(r.d * 1000) * interval '1 hour' end,
              now(), now(), t.title, array['work'], '{}'::jsonb, setweight(to_tsvector('simple', t.title), 'A')
       from generate_series(1, 200000) g,
       lateral (select random() as s, random() as p, random() as d, random() as w, g as row_g) r,
       lateral (select (array['Buy groceries', 'Landing page', 'Quarterly report', 'Pay invoice', 'Call dentist', 'Book flight',
                              'Plan budget', 'Write newsletter', 'Fix garden', 'Car service', 'Birthday gift', 'Tax return',
                              'Review slides', 'Sign contract', 'Draft roadmap', 'Check backup', 'Renew insurance', 'Clean kitchen',
                              'Meeting notes', 'Release notes'])[1 + floor(r.w * 20)::int] || ' ' || g as title) t`,
      [HEAVY],
    );
  });
  await db.raw(
    `insert into ${SCOPE_WORDS} (scope, word, docs) select ${SCOPE_SQL}, w, count(*) from ${DOCS}, unnest(tsvector_to_array(tsv)) w group by 1, 2`,
  );
  await db.raw(`vacuum analyze ${SCOPE_WORDS}`);
  await db.raw(`analyze ${DOCS}`);
}, 90_000);
afterAll(() => close?.());

async function plan(params: Record<string, string>): Promise<{ nodes: PlanNode[]; match: TextMatch }> {
  const query = listTasksQuery.parse(params) as SearchQuery;
  const tsquery = expandedTsquery(await expandPrefixes(db, visibleScopes(auth), queryWords(query.q)));
  const match: TextMatch = tsquery ? { mode: "words", tsquery, q: query.q } : { mode: "typo", q: query.q };
  const built = query.sort ? sortedSql(db, auth, query, match, NOW) : relevanceSql(db, auth, query, match, NOW);
  return { nodes: await analyze(db, built), match };
}

test.each([
  [{ q: "invoice" }, "words"],
  [{ q: "land" }, "words"],
  [{ q: "l" }, "words"],
  [{ q: "qu" }, "words"],
  [{ q: "grocries" }, "typo"],
  [{ q: "invoice", status: "todo", priority: "high,urgent" }, "words"],
  [{ q: "land", sort: "dueAt" }, "words"],
  [{ q: "quart", status: "todo,in_progress", sort: "-priority,dueAt" }, "words"],
  [{ q: "grocries", sort: "-dueAt" }, "typo"],
] as const)("%j (%s) reads through owner-led indexes, a bounded number of rows", async (params, mode) => {
  const { nodes: plan_, match } = await plan({ ...params });
  expect(match.mode).toBe(mode);
  const scans = scansOf(plan_, "docs");
  if (process.env.SHOW_PLANS) console.log(JSON.stringify(params), describeScans(scans));
  for (const scan of scans) expect(scan["Node Type"]).not.toBe("Seq Scan");
  const heap = rowsRead(scans);
  // The user has 20,000 documents, about 1,000 per title word. Relevance reads at most its
  // 200 candidates (more when filters drop some), a sorted page about a page ÷ the word's
  // share per status segment, a typo the user's similar titles: never all 20,000.
  expect(heap).toBeLessThanOrEqual("sort" in params ? 5_000 : 1_200);
});

test("a one-letter prefix reads a bounded range of the caller's own vocabulary", async () => {
  const nodes = await analyze(db, expansionSql(db, visibleScopes(auth), ["1"]));
  const scans = scansOf(nodes, "scope_words");
  if (process.env.SHOW_PLANS) console.log(describeScans(scans), JSON.stringify(nodes.map((n) => n["Node Type"])));
  for (const scan of scans) expect(scan["Node Type"]).not.toBe("Seq Scan");
  // "1" starts about 11,000 of the user's words (titles end in numbers): the scan stops at VOCABULARY_SCAN.
  expect(rowsRead(scans)).toBeLessThanOrEqual(5_000);
});

import type { Knex } from "knex";
import { abilityFromMeta, rulesToSql, rulesToSqlBranches } from "../../../libs/authz";
import { AuthMeta, SearchHit, SearchPage, TaskDto, taskSchema } from "../../../libs/contracts";
import type { Db } from "../../../libs/db";
import { preparedReplanned } from "../../../libs/db/prepared";
import {
  applyFilters,
  buildListSql,
  CursorCodec,
  CursorValue,
  facetCounts,
  queryFingerprint,
  sortValues,
  SortableRow,
  statusesOf,
  withTieBreak,
} from "../../../libs/task-query";
import type { SearchQuery } from "../engine";
import { DOCS } from "../migrations";
import { highlightsOf, IndexedCommentText } from "../highlights";
import { expandedTsquery, expandPrefixes, MatchMode, matchSql, queryWords, rankSql, visibleScopes } from "./text-query";

/** The fields rules may name, as columns of the search copy. */
export const DOC_RULE_COLUMNS = { id: "id", ownerId: "owner_id", projectId: "project_id" };

/**
 * Relevance ranks at most this many matches. Ranking every match is what makes full text
 * slow for a user with 100,000 tasks (PERFORMANCE.md): the candidates are the first matches
 * the index yields, in no particular order, so past this many a broad query ranks a sample
 * of its matches. Filters narrow the set; a `sort` walks every match in index order instead.
 */
export const RELEVANCE_CANDIDATES = 200;

// `comments` is null for a task without comments: nothing more to read for it.
const SELECT = ["id", "doc", "comments", "due_at", "priority", "created_at", "updated_at", "title"];

type DocRow = SortableRow & { doc: TaskDto; comments: IndexedCommentText[] | null; rank?: number };

/** One search as SQL: what it matches and how it ranks. */
export interface TextMatch {
  mode: MatchMode;
  tsquery?: string;
  q: string;
}

export class PgSearch {
  constructor(
    private readonly db: Db,
    private readonly cursors: CursorCodec,
    private readonly clock: { now(): Date },
  ) {}

  /**
   * Words first; if nothing visible matches them, typos. A cursor names the mode its list
   * was issued in (its fingerprint), so every page of one list matches the same way.
   */
  async search(auth: AuthMeta, query: SearchQuery): Promise<SearchPage> {
    const words = queryWords(query.q);
    const tsquery = expandedTsquery(await expandPrefixes(this.db, visibleScopes(auth), words));
    // Typos compare the words alone: punctuation and control characters (NUL, which Postgres
    // text cannot hold) never reach SQL.
    const q = words.join(" ");
    const sort = query.sort ?? "relevance";
    const fingerprints: Record<MatchMode, string> = {
      words: queryFingerprint("search:postgres:words", query, sort),
      typo: queryFingerprint("search:postgres:typo", query, sort),
    };
    const width = query.sort ? withTieBreak(query.sort).length : 2;
    if (query.cursor) {
      const { fingerprint, values } = this.cursors.decodeAny(query.cursor, Object.values(fingerprints), auth.userId, width);
      const mode: MatchMode = fingerprint === fingerprints.words ? "words" : "typo";
      if (mode === "words" && !tsquery) return { items: [], nextCursor: null };
      return this.run(auth, query, { mode, tsquery, q }, fingerprints[mode], values);
    }
    if (tsquery) {
      const page = await this.run(auth, query, { mode: "words", tsquery, q }, fingerprints.words);
      if (page.items.length > 0) return page;
    }
    return this.run(auth, query, { mode: "typo", q }, fingerprints.typo);
  }

  private async run(auth: AuthMeta, query: SearchQuery, match: TextMatch, fingerprint: string, after?: CursorValue[]): Promise<SearchPage> {
    const now = this.clock.now();
    let result: SearchPage;
    if (query.sort) {
      const sort = query.sort;
      const rows = await preparedReplanned<DocRow[]>(this.db, sortedSql(this.db, auth, query, match, now, after));
      result = page(rows, query, match, (last) => this.cursors.encode(fingerprint, auth.userId, sortValues(last, sort)));
    } else {
      const rows = await preparedReplanned<DocRow[]>(this.db, relevanceSql(this.db, auth, query, match, now, after));
      result = page(rows, query, match, (last) => this.cursors.encode(fingerprint, auth.userId, [last.rank ?? 0, last.id]));
    }
    // An empty words page falls back to typos: its counts would be the fallback's business.
    if (!query.facets?.length || (match.mode === "words" && result.items.length === 0 && !after)) return result;
    const scopes = rulesToSqlBranches(abilityFromMeta(auth), "read", "Task", DOC_RULE_COLUMNS).map((visible) => (qb: Knex.QueryBuilder) => {
      visible(qb);
      matching(qb, match);
    });
    const counted = await facetCounts(this.db, { table: DOCS, scopes, query, facets: query.facets, now });
    return { ...result, facets: counted.facets, facetsComplete: counted.complete };
  }
}

const TASK_KEYS = Object.keys(taskSchema.shape) as (keyof TaskDto)[];

/** jsonb keeps keys in its own order; answer them in the order lists use. */
const inSchemaOrder = (doc: TaskDto): TaskDto => Object.fromEntries(TASK_KEYS.map((k) => [k, doc[k]])) as TaskDto;

function page(rows: DocRow[], query: SearchQuery, match: TextMatch, cursorOf: (last: DocRow) => string): SearchPage {
  const items = rows.slice(0, query.limit);
  const last = items[items.length - 1];
  const hit = (r: DocRow): SearchHit => ({ ...inSchemaOrder(r.doc), highlights: highlightsOf(r.doc, query.q, match.mode === "typo", r.comments) });
  return { items: items.map(hit), nextCursor: rows.length > query.limit && last ? cursorOf(last) : null };
}

/** Liveness and the text match: what every query on the copy carries besides visibility. */
export function matching(qb: Knex.QueryBuilder, match: TextMatch): void {
  const m = matchSql(match.mode, match.tsquery, match.q);
  qb.whereRaw("not deleted").whereRaw(m.sql, m.bindings);
}

/** With a sort: the segmented keyset query of lists, restricted to matches. Built, not run. */
export function sortedSql(db: Db, auth: AuthMeta, query: SearchQuery, match: TextMatch, now: Date, after?: CursorValue[]): Knex.QueryBuilder {
  // Typo candidates come from the trigram index whatever their status: one query, not one per status.
  const single = match.mode === "typo";
  const scopes = rulesToSqlBranches(abilityFromMeta(auth), "read", "Task", DOC_RULE_COLUMNS).map((visible) => (qb: Knex.QueryBuilder) => {
    visible(qb);
    matching(qb, match);
  });
  return buildListSql(db, { table: DOCS, select: SELECT, scopes, query, sort: query.sort!, after, fetch: query.limit + 1, now, single });
}

/** Without a sort: rank a capped candidate set, then page by (rank, id) descending. Built, not run. */
export function relevanceSql(db: Db, auth: AuthMeta, query: SearchQuery, match: TextMatch, now: Date, after?: CursorValue[]): Knex.QueryBuilder {
  const candidates = db(DOCS).select([...SELECT, "tsv"]).whereIn("status", statusesOf(query));
  rulesToSql(candidates, abilityFromMeta(auth), "read", "Task", DOC_RULE_COLUMNS);
  matching(candidates, match);
  applyFilters(candidates, query, now);
  candidates.limit(RELEVANCE_CANDIDATES);
  const rank = rankSql(match.mode, match.tsquery, match.q);
  const ranked = db
    .select([...SELECT, db.raw(`${rank.sql} as rank`, rank.bindings)])
    .from(candidates.as("candidates"))
    .as("ranked");
  const q = db.select(["*"]).from(ranked);
  if (after) q.whereRaw("(rank, id) < (?::real, ?::uuid)", [after[0] as number, after[1] as string]);
  return q.orderBy([{ column: "rank", order: "desc" }, { column: "id", order: "desc" }]).limit(query.limit + 1);
}

import type { Knex } from "knex";
import { abilityFromMeta, rulesToSql } from "../../../libs/authz";
import type { AuthMeta, TaskDto, TaskPage } from "../../../libs/contracts";
import type { Db } from "../../../libs/db";
import { applyFilters, buildListSql, CursorCodec, CursorValue, queryFingerprint, sortValues, SortableRow, statusesOf, withTieBreak } from "../../../libs/task-query";
import type { SearchQuery } from "../engine";
import { DOCS } from "../migrations";
import { MATCH_SQL, prefixTsquery, RANK_SQL } from "./text-query";

/** The fields rules may name, as columns of the search copy. */
export const DOC_RULE_COLUMNS = { id: "id", ownerId: "owner_id" };

/**
 * Relevance ranks at most this many matches. Ranking every match is what makes full text
 * slow for a user with 100,000 tasks (PERFORMANCE.md): the candidates are the first matches
 * the indexes yield, in no particular order, so past this many a broad query ranks a
 * sample. Filters narrow it; a `sort` walks every match in index order instead.
 */
export const RELEVANCE_CANDIDATES = 1_000;

const SELECT = ["id", "doc", "due_at", "priority", "created_at", "updated_at", "title"];

type DocRow = SortableRow & { doc: TaskDto; rank?: number };

export class PgSearch {
  constructor(
    private readonly db: Db,
    private readonly cursors: CursorCodec,
    private readonly clock: { now(): Date },
  ) {}

  async search(auth: AuthMeta, query: SearchQuery): Promise<TaskPage> {
    return query.sort ? this.sorted(auth, query) : this.byRelevance(auth, query);
  }

  /** Visibility, liveness and the text match: what every query on the copy carries. */
  private scope(auth: AuthMeta, q: string): (qb: Knex.QueryBuilder) => void {
    const ability = abilityFromMeta(auth);
    return (qb) => {
      qb.whereRaw("not deleted");
      rulesToSql(qb, ability, "read", "Task", DOC_RULE_COLUMNS);
      qb.whereRaw(MATCH_SQL, [prefixTsquery(q), q]);
    };
  }

  /** With a sort: the same segmented keyset query as lists, restricted to matches. */
  private async sorted(auth: AuthMeta, query: SearchQuery): Promise<TaskPage> {
    const sort = query.sort!;
    const fingerprint = queryFingerprint("search:postgres", query, sort);
    const after = query.cursor ? this.cursors.decode(query.cursor, fingerprint, auth.userId, withTieBreak(sort).length) : undefined;
    const rows: DocRow[] = await buildListSql(this.db, {
      table: DOCS,
      select: SELECT,
      scope: this.scope(auth, query.q),
      query,
      sort,
      after,
      fetch: query.limit + 1,
      now: this.clock.now(),
    });
    return this.page(rows, query.limit, (last) => this.cursors.encode(fingerprint, auth.userId, sortValues(last, sort)));
  }

  /** Without a sort: rank a capped candidate set, then page by (rank, id) descending. */
  private async byRelevance(auth: AuthMeta, query: SearchQuery): Promise<TaskPage> {
    const fingerprint = queryFingerprint("search:postgres", query, "relevance");
    const after = query.cursor ? this.cursors.decode(query.cursor, fingerprint, auth.userId, 2) : undefined;
    const rows: DocRow[] = await relevanceSql(this.db, auth, query, this.clock.now(), after);
    return this.page(rows, query.limit, (last) => this.cursors.encode(fingerprint, auth.userId, [last.rank ?? 0, last.id]));
  }

  private page(rows: DocRow[], limit: number, cursorOf: (last: DocRow) => string): TaskPage {
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { items: page.map((r) => r.doc), nextCursor: rows.length > limit && last ? cursorOf(last) : null };
  }
}

/** Built, not run, so tests can read its plan. */
export function relevanceSql(db: Db, auth: AuthMeta, query: SearchQuery, now: Date, after?: CursorValue[]): Knex.QueryBuilder {
  const ability = abilityFromMeta(auth);
  const tsquery = prefixTsquery(query.q);
  const candidates = db(DOCS)
    .select([...SELECT, "tsv"])
    .whereRaw("not deleted")
    .whereIn("status", statusesOf(query));
  rulesToSql(candidates, ability, "read", "Task", DOC_RULE_COLUMNS);
  applyFilters(candidates, query, now);
  candidates.whereRaw(MATCH_SQL, [tsquery, query.q]).limit(RELEVANCE_CANDIDATES);
  const ranked = db
    .select([...SELECT, db.raw(`${RANK_SQL} as rank`, [tsquery, query.q])])
    .from(candidates.as("candidates"))
    .as("ranked");
  const page = db.select(["*"]).from(ranked);
  if (after) page.whereRaw("(rank, id) < (?::real, ?::uuid)", [after[0] as number, after[1] as string]);
  return page.orderBy([{ column: "rank", order: "desc" }, { column: "id", order: "desc" }]).limit(query.limit + 1);
}

import type { Knex } from "knex";
import { abilityFromMeta, rulesToSqlBranches } from "../../libs/authz";
import type { Clock } from "../../libs/clock";
import { AuthMeta, DEFAULT_SORT, ListTasksQuery, SortTerm, TaskDto, TaskPage } from "../../libs/contracts";
import type { Db } from "../../libs/db";
import { isPostgresServer, prepared, preparedReplanned } from "../../libs/db/prepared";
import { buildListSql, CursorCodec, CursorValue, facetCounts, mergedOrderSql, queryFingerprint, SortableRow, sortValues, withTieBreak } from "../../libs/task-query";
import { renderedPage, sortableOf, TaskJsonRow, taskJson } from "./task-json";
import { TASKS_SCHEMA } from "./migrations";
import { TASK_COLUMNS, TASK_RULE_COLUMNS, TaskRow, toTaskDto } from "./task-row";

const TASKS = `${TASKS_SCHEMA}.tasks`;

/** A task's children come in their order unless asked otherwise. */
const sortOf = (query: ListTasksQuery): SortTerm[] => query.sort ?? (query.parentId ? [{ key: "position", desc: false }] : DEFAULT_SORT);

/** The list query for one page, built and not run: the caller's rules become SQL inside every segment. */
export function listTasksSql(db: Db, auth: AuthMeta, query: ListTasksQuery, now: Date, after?: CursorValue[]): Knex.QueryBuilder {
  const ability = abilityFromMeta(auth);
  return buildListSql(db, {
    table: TASKS,
    select: TASK_COLUMNS,
    scopes: rulesToSqlBranches(ability, "read", "Task", TASK_RULE_COLUMNS),
    query,
    sort: sortOf(query),
    after,
    fetch: query.limit + 1,
    now,
  });
}

/**
 * Whether one plan serves a list's page whatever its values: every segment walks an owner- or
 * project-led index in the sort's order, and it filters only by what the statement's own text
 * holds (a status, `topLevel`, priorities, written in as literals by applyFilters). Other filters
 * keep a number of rows that depends on a bound value (a tag, a due range), and a plan made
 * without it read thousands of a heavy user's rows where the planned-for-the-value one reads a
 * page (list-plans.db.test.ts checks both). `blocked` is written in too, but how few blocked tasks
 * a project has is the project's: made without knowing which, a plan walked the whole project.
 */
export const planIsValueFree = (q: ListTasksQuery): boolean =>
  !q.tag?.length && !q.projectId?.length && !q.dueFrom && !q.dueTo && !q.overdue && !q.parentId && q.blocked === undefined;

/** Lists without `q`: filtered and sorted in SQL, keyset-paged so page 10,000 costs what page 1 does. */
export class TaskLister {
  constructor(
    private readonly db: Db,
    private readonly cursors: CursorCodec,
    private readonly clock: Clock,
  ) {}

  async list(auth: AuthMeta, query: ListTasksQuery): Promise<TaskPage> {
    const now = this.clock.now();
    const { items, nextCursor } = await this.page<TaskRow>(auth, query, now, (built) => built, (row) => row);
    return { items: items.map(toTaskDto), nextCursor, ...(await this.facets(auth, query, now)) };
  }

  /**
   * The same page as `list`, as JSON text: the gateway's hot path. A prepared list is rendered by
   * a Postgres server (task-json.ts). Any other list is planned on every call (`preparedReplanned`),
   * and there the rendering's expression costs Postgres about as much as it saves here (0.45 ms a
   * page, bench/RESULTS.md), on the same cores; in PGlite it would run in this very process. Those
   * rows become DTOs as in `list`.
   */
  async listJson(auth: AuthMeta, query: ListTasksQuery): Promise<string> {
    if (!planIsValueFree(query) || !isPostgresServer(this.db)) return JSON.stringify(await this.list(auth, query));
    const now = this.clock.now();
    const order = mergedOrderSql(sortOf(query));
    const { items, nextCursor } = await this.page<TaskJsonRow>(auth, query, now, (built) => renderedPage(this.db, built, order), sortableOf);
    const rest = JSON.stringify({ nextCursor, ...(await this.facets(auth, query, now)) });
    return `{"items":[${items.map(taskJson).join(",")}],${rest.slice(1)}`;
  }

  /** One keyset page of rows read through `shape`, and the cursor after its last row. */
  private async page<R>(
    auth: AuthMeta,
    query: ListTasksQuery,
    now: Date,
    shape: (built: Knex.QueryBuilder) => Knex.QueryBuilder,
    sortable: (row: R) => SortableRow,
  ): Promise<{ items: R[]; nextCursor: string | null }> {
    const sort = sortOf(query);
    const fingerprint = queryFingerprint("tasks", query, sort);
    const after = query.cursor ? this.cursors.decode(query.cursor, fingerprint, auth.userId, withTieBreak(sort).length) : undefined;
    const built = shape(listTasksSql(this.db, auth, query, now, after));
    const rows: R[] = await (planIsValueFree(query) ? prepared(this.db, built) : preparedReplanned<R[]>(this.db, built));
    const items = rows.slice(0, query.limit);
    const last = items[items.length - 1];
    const nextCursor = rows.length > query.limit && last ? this.cursors.encode(fingerprint, auth.userId, sortValues(sortable(last), sort)) : null;
    return { items, nextCursor };
  }

  private async facets(auth: AuthMeta, query: ListTasksQuery, now: Date): Promise<Pick<TaskPage, "facets" | "facetsComplete">> {
    if (!query.facets?.length) return {};
    const scopes = rulesToSqlBranches(abilityFromMeta(auth), "read", "Task", TASK_RULE_COLUMNS);
    const counted = await facetCounts(this.db, { table: TASKS, scopes, query, facets: query.facets, now });
    return { facets: counted.facets, facetsComplete: counted.complete };
  }

  /** Every task, by id, for rebuilding the search index; internal (never routed by the gateway). */
  async exportPage(afterId: string | undefined, limit: number): Promise<TaskDto[]> {
    const q = this.db<TaskRow>(TASKS).select("*").orderBy("id").limit(limit);
    if (afterId) q.where("id", ">", afterId);
    return (await q).map(toTaskDto);
  }

  /** The planner's estimate: a progress bar needs a total, not an exact count of a million rows. */
  async estimatedCount(): Promise<number> {
    const { rows } = await this.db.raw("select greatest(reltuples, 0)::bigint as n from pg_class where oid = ?::regclass", [TASKS]);
    const estimate = Number(rows[0]?.n ?? 0);
    if (estimate > 0) return estimate;
    const [{ count }] = await this.db(TASKS).count({ count: "*" });
    return Number(count);
  }
}

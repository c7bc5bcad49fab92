import type { AuthMeta, ListTasksQuery, SearchPage, TaskDto } from "../../libs/contracts";

/**
 * A comment as the index keeps it: its text searchable within its task's document, for the
 * task's readers. A deleted comment is kept as a tombstone (deleted, its version, no text).
 */
export interface IndexedComment {
  id: string;
  taskId: string;
  /** The task's owner when the comment changed (Meilisearch's placeholder document needs one). */
  ownerId: string;
  text: string;
  createdAt: string;
  version: number;
  deleted: boolean;
}

/**
 * One change to the index. Versions order the changes of one task (or of one comment); an
 * older one never overwrites a newer.
 */
export type IndexChange =
  | { kind: "upsert"; task: TaskDto }
  | { kind: "delete"; id: string; ownerId: string; version: number }
  | { kind: "comment"; comment: IndexedComment };

export const changeVersion = (c: IndexChange): number => (c.kind === "upsert" ? c.task.version : c.kind === "comment" ? c.comment.version : c.version);
/** The task or the comment the change is about. */
export const changeId = (c: IndexChange): string => (c.kind === "upsert" ? c.task.id : c.kind === "comment" ? c.comment.id : c.id);
/** The task whose document the change rewrites. */
export const changeTaskId = (c: IndexChange): string => (c.kind === "comment" ? c.comment.taskId : changeId(c));

export interface ApplyOptions {
  /**
   * A rebuild: also rewrite documents at the same version and mark them fresh, so `sweep`
   * can drop the ones the rebuild did not see.
   */
  refresh?: boolean;
}

/** A list query with its text. */
export type SearchQuery = ListTasksQuery & { q: string };

/**
 * Where searchable copies of tasks live. Both engines take the caller's rules into every
 * query (never a filter after paging) and apply changes monotonically by version.
 */
export interface SearchEngine {
  readonly name: "postgres" | "meilisearch";
  /** Creates or migrates the index and its settings. */
  prepare(): Promise<void>;
  /** Applies a batch; returns when it is visible to searches. */
  apply(changes: IndexChange[], options?: ApplyOptions): Promise<void>;
  /**
   * After a rebuild that started at `startedAt`: removes what it did not refresh (documents,
   * and on Postgres comments too). Returns how many.
   */
  sweep(startedAt: Date): Promise<number>;
  /** Drops tombstones written before `before`: no event that old is still on its way. Returns how many. */
  purgeTombstones(before: Date): Promise<number>;
  /** A page of hits with highlights; with `facets`, the counts of every match. */
  search(auth: AuthMeta, query: SearchQuery): Promise<SearchPage>;
  health(): Promise<void>;
}

/** Keeps the newest change per task (and per comment): a batch must not write one row twice. */
export function newestPerTask(changes: IndexChange[]): IndexChange[] {
  const newest = new Map<string, IndexChange>();
  for (const c of changes) {
    const seen = newest.get(changeId(c));
    if (!seen || changeVersion(seen) < changeVersion(c)) newest.set(changeId(c), c);
  }
  return [...newest.values()];
}

import type { SortKey, SortTerm } from "../contracts";
import { isoOrNull } from "../time";

/**
 * Tasks without a due date sort last in both directions. Ascending, the index orders this
 * expression (null as +infinity) directly; descending, a list splits into the dated part
 * (`< infinity`, scanned backwards) and the undated part (`= infinity`, an equality, so the
 * index still orders the keys after it). The text must match the index definition exactly.
 */
export const DUE_SORT_EXPR = "coalesce(due_at, 'infinity'::timestamptz)";

/**
 * DUE_SORT_EXPR as a column of every list query's rows. A merged page orders by it, so
 * Postgres sees that each segment already comes in the page's order and merges them as they
 * are read (Merge Append), stopping after a page in all: ordered by `due_at` instead, which
 * it cannot match to the indexed expression, it read a page from every segment and sorted
 * them (a heavy user's three statuses were three pages of heap fetches for one).
 */
export const DUE_SORT_KEY = "due_key";

export type CursorValue = string | number | null;

export interface SortColumn {
  /** What segments order by and compare against: the indexed expression. */
  expr: string;
  /** The cast cursor values bind with. */
  cast: string;
  /** The column of a merged page's rows it orders by. */
  outerColumn(desc: boolean): string;
  /** The ORDER BY term of the merged page. */
  outer(desc: boolean): string;
  /** The value a row carries for this key, as it travels in a cursor. */
  value(row: SortableRow): CursorValue;
}

/** The columns every list table (tasks.tasks, search.docs) has under these names. */
export interface SortableRow {
  id: string;
  due_at: Date | string | null;
  priority: number;
  created_at: Date | string;
  updated_at: Date | string;
  title: string;
  /** Only tasks.tasks has it (search refuses sort=position). */
  position?: number;
}

const plain = (column: string, cast: string, value: (row: SortableRow) => CursorValue): SortColumn => ({
  expr: column,
  cast,
  outerColumn: () => column,
  outer: (desc) => `${column} ${desc ? "desc" : "asc"}`,
  value,
});

export const SORT_COLUMNS: Record<SortKey | "id", SortColumn> = {
  dueAt: {
    expr: DUE_SORT_EXPR,
    cast: "timestamptz",
    // Descending, undated rows come last, against the expression's order: merged by sorting.
    outerColumn: (desc) => (desc ? "due_at" : DUE_SORT_KEY),
    outer: (desc) => (desc ? "due_at desc nulls last" : `${DUE_SORT_KEY} asc`),
    value: (row) => isoOrNull(row.due_at),
  },
  priority: plain("priority", "smallint", (row) => row.priority),
  createdAt: plain("created_at", "timestamptz", (row) => isoOrNull(row.created_at)),
  updatedAt: plain("updated_at", "timestamptz", (row) => isoOrNull(row.updated_at)),
  title: plain("title", "text", (row) => row.title),
  position: plain("position", "integer", (row) => row.position ?? 0),
  id: plain("id", "uuid", (row) => row.id),
};

/** The full order: the requested keys, then id in the direction of the last key, so reversing every key reverses the list exactly. */
export function withTieBreak(sort: SortTerm[]): { key: SortKey | "id"; desc: boolean }[] {
  const last = sort[sort.length - 1];
  return [...sort, { key: "id", desc: last?.desc ?? false }];
}

/** The cursor values of a row: one per key of the full order. */
export function sortValues(row: SortableRow, sort: SortTerm[]): CursorValue[] {
  return withTieBreak(sort).map((t) => SORT_COLUMNS[t.key].value(row));
}

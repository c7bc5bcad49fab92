import type { SortKey } from "../contracts";
import { and, Cond, or, sqlCond } from "./conditions";
import { CursorValue, DUE_SORT_EXPR, SORT_COLUMNS } from "./sort-columns";

/** Which part of the due-date order a segment reads (see DUE_SORT_EXPR). */
export type DueMode = "any" | "dated" | "undated";

export interface OrderTerm {
  key: SortKey | "id";
  desc: boolean;
}

interface Comparison {
  /** The row equals the cursor on this key. */
  eq: Cond;
  /** The row comes after the cursor on this key. */
  after: Cond;
  /** Set when both are plain comparisons of one expression, so a row comparison can replace them. */
  plain?: { expr: string; placeholder: string; value: CursorValue; desc: boolean };
}

function compare(term: OrderTerm, value: CursorValue, due: DueMode): Comparison {
  const column = SORT_COLUMNS[term.key];
  const placeholder = `?::${column.cast}`;
  if (term.key === "dueAt" && due !== "any") {
    // Descending with undated last: a dated row is before every undated one.
    const rowDated = due === "dated";
    if (value === null) return rowDated ? { eq: false, after: false } : { eq: true, after: false };
    if (!rowDated) return { eq: false, after: true };
  }
  const bound = term.key === "dueAt" && value === null ? "infinity" : value;
  const op = term.desc ? "<" : ">";
  return {
    eq: sqlCond(`${column.expr} = ${placeholder}`, bound),
    after: sqlCond(`${column.expr} ${op} ${placeholder}`, bound),
    plain: { expr: column.expr, placeholder, value: bound, desc: term.desc },
  };
}

/**
 * "Comes after the cursor" in the full order, written so the index can start at the cursor:
 * a row comparison when every key runs one way, else the expanded disjunction plus a
 * redundant bound on the leading key.
 */
export function afterCursor(order: OrderTerm[], values: CursorValue[], due: DueMode): Cond {
  const comparisons = order.map((term, i) => compare(term, values[i] ?? null, due));
  // Keys the segment holds constant and equal to the cursor do not order it.
  while (comparisons.length && comparisons[0]!.eq === true && comparisons[0]!.after === false) comparisons.shift();
  if (comparisons.length === 0) return false;

  const plains = comparisons.map((c) => c.plain);
  if (plains.every((p) => p && p.desc === plains[0]!.desc)) {
    const list = plains as NonNullable<Comparison["plain"]>[];
    return sqlCond(
      `(${list.map((p) => p.expr).join(", ")}) ${list[0]!.desc ? "<" : ">"} (${list.map((p) => p.placeholder).join(", ")})`,
      ...list.map((p) => p.value),
    );
  }
  let after: Cond = false;
  for (let i = comparisons.length - 1; i >= 0; i--) after = or(comparisons[i]!.after, and(comparisons[i]!.eq, after));
  const lead = comparisons[0]!.plain;
  if (!lead || after === false || after === true) return after;
  return and(sqlCond(`${lead.expr} ${lead.desc ? "<=" : ">="} ${lead.placeholder}`, lead.value), after);
}

/** The segment's own condition on the due date. */
export function dueModeCond(due: DueMode): Cond {
  if (due === "dated") return sqlCond(`${DUE_SORT_EXPR} < 'infinity'::timestamptz`);
  if (due === "undated") return sqlCond(`${DUE_SORT_EXPR} = 'infinity'::timestamptz`);
  return true;
}

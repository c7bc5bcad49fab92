import { abilityFromMeta, filterLiteral, rulesToFilter } from "../../../libs/authz";
import { AuthMeta, Facet, FacetCounts, PRIORITIES, SortTerm, TaskDto } from "../../../libs/contracts";
import { CursorValue, statusesOf, withTieBreak } from "../../../libs/task-query";
import type { SearchQuery } from "../engine";

/** The fields rules may name, as document attributes. */
export const DOC_RULE_ATTRIBUTES = { id: "id", ownerId: "ownerId", projectId: "projectId" };

const list = (values: (string | number)[]) => `[${values.map(filterLiteral).join(", ")}]`;

/** The filter of one search: visibility from the caller's rules, liveness, then every list filter (AND). */
export function meiliFilter(auth: AuthMeta, query: SearchQuery, now: Date): string[] {
  const filters = ["deleted = false"];
  const visibility = rulesToFilter(abilityFromMeta(auth), "read", "Task", DOC_RULE_ATTRIBUTES);
  if (visibility) filters.push(visibility);
  filters.push(`status IN ${list(statusesOf(query))}`);
  if (query.priority?.length) filters.push(`priority IN ${list(query.priority.map((p) => PRIORITIES.indexOf(p)))}`);
  if (query.tag?.length) filters.push(`tags IN ${list(query.tag)}`);
  if (query.projectId?.length) filters.push(`projectId IN ${list(query.projectId)}`);
  if (query.dueFrom) filters.push(`dueAt >= ${Date.parse(query.dueFrom)}`);
  if (query.dueTo) filters.push(`dueAt < ${Date.parse(query.dueTo)}`);
  if (query.overdue) filters.push(`dueAt < ${now.getTime()}`);
  if (query.parentId) filters.push(`parentId = ${filterLiteral(query.parentId)}`);
  // A document written before these fields existed has neither: top-level and not blocked.
  if (query.topLevel) filters.push("(parentId IS NULL OR parentId NOT EXISTS)");
  if (query.blocked !== undefined) filters.push(query.blocked ? "blocked = true" : "(blocked = false OR blocked NOT EXISTS)");
  return filters;
}

/**
 * The id as a number for the tie-break: its first 13 hex digits (52 bits, exact in a double),
 * in the order of the id itself. Meilisearch compares only numbers in filters, and keyset
 * pages filter on the tie-break. Two ids sharing 52 bits (odds about 1 in 10,000 at 1,000,000
 * tasks, and only matter between tasks with equal sort values) would tie.
 */
export function idKey(id: string): number {
  return parseInt(id.replace(/-/g, "").slice(0, 13), 16);
}

/** The attribute each sort key sorts and pages by. */
const ATTRIBUTE: Record<SortTerm["key"] | "id", string> = {
  dueAt: "dueAt",
  priority: "priority",
  createdAt: "createdAt",
  updatedAt: "updatedAt",
  title: "title",
  // Search refuses sort=position (subtasks are not indexed with it): never reached.
  position: "position",
  id: "idKey",
};

/** The sort of one search, ties broken by id like everywhere else; none means relevance. */
export function meiliSort(sort: SortTerm[] | undefined): string[] | undefined {
  if (!sort) return undefined;
  return withTieBreak(sort).map((t) => `${ATTRIBUTE[t.key]}:${t.desc ? "desc" : "asc"}`);
}

/** Keyset pages need a range filter on every key: numbers only, so not a title sort, nor relevance. */
export function keysetPageable(sort: SortTerm[] | undefined): sort is SortTerm[] {
  return !!sort && sort.every((t) => t.key !== "title");
}

/** A hit's values for the full order (as the document stores them; an undated task's dueAt is null). */
export function keysetValues(task: TaskDto, sort: SortTerm[]): CursorValue[] {
  const value = (key: SortTerm["key"] | "id"): CursorValue => {
    switch (key) {
      case "dueAt":
        return task.dueAt ? Date.parse(task.dueAt) : null;
      case "priority":
        return PRIORITIES.indexOf(task.priority);
      case "createdAt":
        return Date.parse(task.createdAt);
      case "updatedAt":
        return Date.parse(task.updatedAt);
      case "id":
        return idKey(task.id);
      default:
        throw new Error(`no keyset value for ${key}`);
    }
  };
  return withTieBreak(sort).map((t) => value(t.key));
}

/**
 * What comes after the cursor in the full order: `k1 after v1 OR (k1 = v1 AND k2 after v2) ...`.
 * Tasks without dueAt come last in both directions, so after a dated value come the later
 * dated ones and every undated one; after an undated one, only undated ones.
 */
export function keysetFilter(sort: SortTerm[], after: CursorValue[]): string {
  const terms = withTieBreak(sort);
  const num = (v: CursorValue) => {
    if (typeof v !== "number" || !Number.isFinite(v)) throw new Error("keyset value is not a number");
    return String(v);
  };
  const equal = (i: number) => {
    const attr = ATTRIBUTE[terms[i]!.key];
    return after[i] === null ? `${attr} NOT EXISTS` : `${attr} = ${num(after[i]!)}`;
  };
  const later = (i: number): string | undefined => {
    const t = terms[i]!;
    const attr = ATTRIBUTE[t.key];
    if (after[i] === null) return undefined;
    const cmp = `${attr} ${t.desc ? "<" : ">"} ${num(after[i]!)}`;
    return t.key === "dueAt" ? `(${cmp} OR ${attr} NOT EXISTS)` : cmp;
  };
  const alternatives: string[] = [];
  for (let i = 0; i < terms.length; i++) {
    const step = later(i);
    if (step === undefined) continue;
    const prefix = Array.from({ length: i }, (_, j) => equal(j));
    alternatives.push([...prefix, step].join(" AND "));
  }
  return alternatives.length ? `(${alternatives.map((a) => (a.includes(" AND ") ? `(${a})` : a)).join(" OR ")})` : "id NOT EXISTS";
}

/** Facet name → document attribute. */
export const FACET_ATTRIBUTE: Record<Facet, string> = { status: "status", priority: "priority", tag: "tags", projectId: "projectId" };

/** Meilisearch's facet distribution in the API's names (priority ranks back to names). */
export function fromDistribution(facets: Facet[], distribution: Record<string, Record<string, number>> | undefined): FacetCounts {
  const out: FacetCounts = {};
  for (const f of facets) {
    const counts = distribution?.[FACET_ATTRIBUTE[f]] ?? {};
    out[f] = Object.fromEntries(
      Object.entries(counts)
        .filter(([, n]) => n > 0)
        .map(([v, n]) => [f === "priority" ? (PRIORITIES[Number(v)] ?? v) : v, n]),
    );
  }
  return out;
}

import { abilityFromMeta, filterLiteral, rulesToFilter } from "../../../libs/authz";
import { AuthMeta, PRIORITIES, SortTerm } from "../../../libs/contracts";
import { statusesOf, withTieBreak } from "../../../libs/task-query";
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
  return filters;
}

/** The sort of one search, ties broken by id like everywhere else; none means relevance. */
export function meiliSort(sort: SortTerm[] | undefined): string[] | undefined {
  if (!sort) return undefined;
  return withTieBreak(sort).map((t) => `${t.key}:${t.desc ? "desc" : "asc"}`);
}

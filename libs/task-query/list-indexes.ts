import { DUE_SORT_EXPR } from "./sort-columns";

/**
 * The indexes list queries are shaped for, shared by every table that serves lists
 * (tasks.tasks, search.docs). Each leads with (owner_id, status) because visibility is
 * an owner equality today and every list reads one segment per status; the next column is
 * the first sort key, so a page is the first rows of one range scan:
 * - createdAt (the default order); on tasks it exists since 0001 under the same name;
 * - dueAt / -dueAt: the due expression (undated last), backwards for descending;
 * - -priority,dueAt ("most urgent, soonest first") and priority,-dueAt backwards;
 * - priority / -priority alone, updatedAt, title.
 * `where` makes them partial (search keeps tombstones out of its indexes).
 */
export function listIndexes(table: string, prefix: string, where = ""): string[] {
  return [...sortIndexes(table, prefix, "owner", where), `create index if not exists ${prefix}_tags_idx on ${table} using gin (tags) ${where}`];
}

/**
 * The same ordered indexes led by project_id instead of owner_id: a member's project tasks are
 * another visibility segment (`project_id in (...)`), read one range per project and status.
 */
export function projectListIndexes(table: string, prefix: string, where = ""): string[] {
  return sortIndexes(table, prefix, "project", `${where ? `${where} and` : "where"} project_id is not null`);
}

function sortIndexes(table: string, prefix: string, lead: "owner" | "project", where: string): string[] {
  const on = (name: string, columns: string) => `create index if not exists ${prefix}_${lead}_${name}_idx on ${table} (${lead}_id, ${columns}) ${where}`;
  return [
    on("status_created", "status, created_at, id"),
    on("status_due", `status, (${DUE_SORT_EXPR}), id`),
    on("status_urgent_due", `status, priority desc, (${DUE_SORT_EXPR}), id`),
    on("status_priority", "status, priority, id"),
    on("status_updated", "status, updated_at, id"),
    on("status_title", "status, title, id"),
  ];
}

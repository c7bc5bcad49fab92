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
  const on = (name: string, columns: string) => `create index if not exists ${prefix}_${name}_idx on ${table} (${columns}) ${where}`;
  return [
    on("owner_status_created", "owner_id, status, created_at, id"),
    on("owner_status_due", `owner_id, status, (${DUE_SORT_EXPR}), id`),
    on("owner_status_urgent_due", `owner_id, status, priority desc, (${DUE_SORT_EXPR}), id`),
    on("owner_status_priority", "owner_id, status, priority, id"),
    on("owner_status_updated", "owner_id, status, updated_at, id"),
    on("owner_status_title", "owner_id, status, title, id"),
    `create index if not exists ${prefix}_tags_idx on ${table} using gin (tags) ${where}`,
  ];
}

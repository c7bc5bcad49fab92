import { abilityFromMeta, rulesToSql } from "../../libs/authz";
import type { AuthMeta, ListTasksQuery, TaskPage } from "../../libs/contracts";
import type { Db } from "../../libs/db";
import { decodeCursor, encodeCursor } from "./cursor";
import { TASKS_SCHEMA } from "./migrations";
import { TASK_RULE_COLUMNS, TaskRow, toTaskDto } from "./task-row";

const TASKS = `${TASKS_SCHEMA}.tasks`;

/** Lists the tasks the caller may read, keyset-paged so page 10,000 costs what page 1 does. */
export async function listTasks(db: Db, auth: AuthMeta, query: ListTasksQuery): Promise<TaskPage> {
  const descending = query.sort.startsWith("-");
  const q = db(TASKS).select("*");
  rulesToSql(q, abilityFromMeta(auth), "read", "Task", TASK_RULE_COLUMNS);
  if (query.status?.length) q.whereIn("status", query.status);
  if (query.cursor) {
    const after = decodeCursor(query.cursor, query.sort);
    q.whereRaw(`(created_at, id) ${descending ? "<" : ">"} (?, ?)`, [new Date(after.createdAt), after.id]);
  }
  const direction = descending ? "desc" : "asc";
  const rows: TaskRow[] = await q.orderBy([{ column: "created_at", order: direction }, { column: "id", order: direction }]).limit(query.limit + 1);
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return {
    items: page.map(toTaskDto),
    nextCursor:
      rows.length > query.limit && last ? encodeCursor({ sort: query.sort, createdAt: last.created_at.toISOString(), id: last.id }) : null,
  };
}

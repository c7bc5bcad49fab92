import type { Knex } from "knex";
import { AuthMeta, PRIORITIES, priorityRank, TaskDto } from "../../libs/contracts";
import type { Trx } from "../../libs/db";
import { isPostgresServer, prepared } from "../../libs/db/prepared";
import { NotFoundError } from "../../libs/errors";
import { describeRecurrence, type Recurrence } from "../../libs/recurrence";
import type { SortableRow } from "../../libs/task-query";
import { toTaskDto } from "./task-row";
import { readTask, scopedTask } from "./task-scope";

/**
 * `toTaskDto` (task-row.ts) written in SQL. Postgres renders each task's JSON text, and a page
 * reaches the gateway without being parsed into rows, turned into DTOs and serialised again
 * here: that was most of the tasks process's CPU per list page at 1M tasks (issue 14).
 * task-json.db.test.ts holds the two to the same answers, field by field.
 *
 * Instants are `toISOString`'s form; both truncate microseconds to milliseconds. A recurrence's
 * `text` is written in TypeScript (`describeRecurrence`), so a recurring task's JSON is finished
 * here: its row carries the anchor the description reads.
 */
const isoText = (instant: string) => `to_char(${instant} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
// Each value by the cheapest SQL that writes it exactly: to_json only where text needs escaping
// (it costs about a third of a microsecond a call, and a page has 51 rows of 22 fields).
const orNull = (text: string) => `coalesce(${text}, 'null')`;
const escaped = (column: string) => orNull(`to_json(${column})::text`);
const quoted = (column: string) => orNull(`'"' || ${column} || '"'`);
const number = (column: string) => orNull(`${column}::text`);
const list = (column: string) => orNull(`case when cardinality(${column}) = 0 then '[]' else to_json(${column})::text end`);
const instant = (column: string) => quoted(isoText(column));
const PRIORITY_NAMES = `array[${PRIORITIES.map((p) => `'${p}'`).join(", ")}]`;

/** Each DTO key, in toTaskDto's order, with the SQL of its JSON value. Ids, statuses and priorities need no escaping. */
const FIELDS: [keyof TaskDto, string][] = [
  ["id", quoted("id")],
  ["title", escaped("title")],
  ["description", escaped("description")],
  ["status", quoted("status")],
  ["priority", quoted(`coalesce((${PRIORITY_NAMES})[priority + 1], 'none')`)],
  ["dueAt", instant("due_at")],
  ["startAt", instant("start_at")],
  ["completedAt", instant("completed_at")],
  ["tags", list("tags")],
  ["recurrence", orNull("recurrence::text")],
  ["reminders", orNull("reminders::text")],
  ["projectId", quoted("project_id")],
  ["assigneeId", quoted("assignee_id")],
  ["ownerId", quoted("owner_id")],
  ["createdAt", instant("created_at")],
  ["updatedAt", instant("updated_at")],
  ["version", number("version")],
  ["parentId", quoted("parent_id")],
  ["position", number("position")],
  ["progress", `'{"done":' || ${number("children_done")} || ',"total":' || ${number("children_total")} || '}'`],
  ["blockedBy", list("blocked_by")],
  ["blocked", `case when blocked then 'true' when not blocked then 'false' else 'null' end`],
];

/** The columns a rendered task is read as: its JSON, and the anchor of its recurrence when it has one. */
export const TASK_JSON_SELECT = [
  `'{' || ${FIELDS.map(([key, value], i) => `'${i ? "," : ""}"${key}":' || ${value}`).join(" || ")}`,
  `|| coalesce(case when dav_properties <> '' then ',"davProperties":' || to_json(dav_properties)::text end, '') || '}' as task_json,`,
  `case when recurrence is not null then ${isoText("coalesce(dtstart, due_at, created_at)")} end as recurrence_anchor`,
].join(" ");

export interface TaskJsonRow {
  task_json: string;
  recurrence_anchor: string | null;
}

/** A rendered task's JSON, its recurrence described. */
export function taskJson(row: TaskJsonRow): string {
  if (row.recurrence_anchor === null) return row.task_json;
  const task = JSON.parse(row.task_json) as Omit<TaskDto, "recurrence"> & { recurrence: Recurrence | null };
  if (!task.recurrence) return row.task_json;
  return JSON.stringify({ ...task, recurrence: { ...task.recurrence, text: describeRecurrence(task.recurrence, new Date(row.recurrence_anchor)) } });
}

/** The sort keys of a rendered task, for the cursor after it. */
export function sortableOf(row: TaskJsonRow): SortableRow {
  const task = JSON.parse(row.task_json) as TaskDto;
  return {
    id: task.id,
    due_at: task.dueAt,
    priority: priorityRank(task.priority),
    created_at: task.createdAt,
    updated_at: task.updatedAt,
    title: task.title,
    position: task.position,
  };
}

/** The rows of `page` (any list query over the tasks' columns), rendered, in `order`. */
export const renderedPage = (db: Knex, page: Knex.QueryBuilder, order: string): Knex.QueryBuilder =>
  db.select(db.raw(TASK_JSON_SELECT)).from(page.as("t")).orderByRaw(order);

/** One task as the caller may read it, rendered (by a Postgres server; PGlite's rows become a DTO here), with its version for the ETag. */
export async function readTaskJson(db: Knex | Trx, auth: AuthMeta, id: string): Promise<{ json: string; version: number }> {
  if (!isPostgresServer(db)) {
    const task = toTaskDto(await readTask(db, auth, id));
    return { json: JSON.stringify(task), version: task.version };
  }
  const row: (TaskJsonRow & { version: number }) | undefined = await prepared(db, scopedTask(db, auth, "read", id).select(db.raw(TASK_JSON_SELECT), "version").first());
  if (!row) throw new NotFoundError(`task ${id} not found`);
  return { json: taskJson(row), version: row.version };
}

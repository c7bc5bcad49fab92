import type { Knex } from "knex";
import type { Trx } from "../../libs/db";
import { ConflictError, ValidationError } from "../../libs/errors";
import { TaskRow, TASKS } from "./task-row";

/**
 * How deep subtasks nest: a top-level task and four levels below it (task, subtask, ...,
 * great-great-grandchild). Deep enough for an outline, shallow enough that every walk up or
 * down a tree is a handful of index lookups.
 */
export const MAX_DEPTH = 5;

export type ChildrenChoice = "complete" | "refuse";

const invalidParent = (message: string) => new ValidationError("Invalid parent", [{ path: "body.parentId", message }]);

/** The parents of the rows a query selects (before an update moves them elsewhere). */
export async function parentsTouched(rows: Knex.QueryBuilder): Promise<string[]> {
  const found: { parent_id: string }[] = await rows.clone().whereNotNull("parent_id").distinct("parent_id");
  return found.map((r) => r.parent_id);
}

/** The progress columns of these parents that no longer match their children: the updates to write. */
export async function refreshProgress(trx: Trx, parentIds: string[]): Promise<{ id: string; set: Partial<TaskRow> }[]> {
  if (parentIds.length === 0) return [];
  const { rows } = await trx.raw(
    `select p.id, p.children_total, p.children_done, count(c.id)::int as total, (count(c.id) filter (where c.status = 'done'))::int as done
       from ${TASKS} p left join ${TASKS} c on c.parent_id = p.id
      where p.id = any(?::uuid[])
      group by p.id`,
    [parentIds],
  );
  return (rows as { id: string; children_total: number; children_done: number; total: number; done: number }[])
    .filter((r) => r.children_total !== r.total || r.children_done !== r.done)
    .map((r) => ({ id: r.id, set: { children_total: r.total, children_done: r.done } }));
}

/** A task's descendants (not itself), nearest first, with their distance below it. */
export async function descendants(trx: Trx | Knex, id: string): Promise<(TaskRow & { level: number })[]> {
  const { rows } = await trx.raw(
    `with recursive sub as (
       select t.*, 1 as level from ${TASKS} t where t.parent_id = ?
       union all
       select t.*, sub.level + 1 from ${TASKS} t join sub on t.parent_id = sub.id where sub.level < ?
     ) select * from sub order by level, position, id`,
    [id, MAX_DEPTH],
  );
  return rows;
}

/** A task's depth: 1 for a top-level task. */
async function depthOf(trx: Trx, id: string): Promise<{ depth: number; chain: string[] }> {
  const { rows } = await trx.raw(
    `with recursive up as (
       select id, parent_id, 1 as depth from ${TASKS} where id = ?
       union all
       select t.id, t.parent_id, up.depth + 1 from ${TASKS} t join up on t.id = up.parent_id where up.depth <= ?
     ) select id, depth from up order by depth`,
    [id, MAX_DEPTH + 1],
  );
  return { depth: rows.length, chain: rows.map((r: { id: string }) => r.id) };
}

/**
 * Checks that `task` may hang under `parent` (a row the caller can see): the same project,
 * or the same owner for a private one; no cycle; the whole subtree within MAX_DEPTH.
 * `height` is the task's own subtree height (1 for a leaf, or a new task).
 */
export async function checkPlacement(trx: Trx, parent: TaskRow, task: { id?: string; owner_id: string; project_id: string | null }, height: number): Promise<void> {
  if (parent.project_id !== task.project_id) throw invalidParent("a subtask lives in its parent's project");
  if (!parent.project_id && parent.owner_id !== task.owner_id) throw invalidParent("a private task's subtasks are its owner's");
  const { depth, chain } = await depthOf(trx, parent.id);
  if (task.id && chain.includes(task.id)) throw invalidParent("a task cannot be placed under itself or one of its subtasks");
  if (depth + height > MAX_DEPTH) throw invalidParent(`subtasks nest at most ${MAX_DEPTH} levels deep (a top-level task included)`);
}

/** The height of a subtree given its descendants: 1 for a task without children. */
export const heightOf = (below: { level: number }[]): number => 1 + below.reduce((max, d) => Math.max(max, d.level), 0);

/** After the last sibling: where a new subtask goes. */
export async function nextPosition(trx: Trx, parentId: string): Promise<number> {
  const row = await trx(TASKS).where({ parent_id: parentId }).max({ max: "position" }).first();
  return row?.max === null || row?.max === undefined ? 0 : Number(row.max) + 1;
}

/** Completing a task whose subtree is still open takes an explicit choice (API: 409 without one). */
export function requireChildrenChoice(open: TaskRow[], choice: ChildrenChoice | undefined): void {
  if (open.length === 0 || choice === "complete") return;
  throw new ConflictError(
    `the task has ${open.length} open subtask(s): complete them too with {"children": "complete"}` + (choice === "refuse" ? " (refused as asked)" : ""),
  );
}

export const isOpen = (row: TaskRow) => row.status !== "done";

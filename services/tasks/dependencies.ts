import { abilityFromMeta, rulesToSql } from "../../libs/authz";
import { AuthMeta, TaskUnblockedEvent } from "../../libs/contracts";
import type { Trx } from "../../libs/db";
import { ValidationError } from "../../libs/errors";
import { TASK_RULE_COLUMNS, TaskRow, TASKS } from "./task-row";

const invalidBlockers = (message: string) => new ValidationError("Invalid blockedBy", [{ path: "body.blockedBy", message }]);

/**
 * A task's new blockers, checked: each a task the caller can see (in any of their projects;
 * one they cannot see answers 422 like one that does not exist, unless the task already waits
 * for it: then it may stay), never the task itself, and
 * no cycle (a blocker that already waits, directly or not, for this task). Returns the columns.
 */
export async function blockersFor(trx: Trx, auth: AuthMeta, taskId: string, ids: string[]): Promise<Pick<TaskRow, "blocked_by" | "blocked">> {
  if (ids.length === 0) return { blocked_by: [], blocked: false };
  if (ids.includes(taskId)) throw invalidBlockers("a task cannot block itself");
  const q = trx<TaskRow>(TASKS).whereIn("id", ids).select("id", "status");
  rulesToSql(q, abilityFromMeta(auth), "read", "Task", TASK_RULE_COLUMNS);
  const seen: Pick<TaskRow, "id" | "status">[] = await q;
  // A blocker someone else set that the caller cannot see may stay (sending the list back
  // unchanged must work); only new blockers must be ones the caller sees.
  const current: string[] = (await trx<TaskRow>(TASKS).where({ id: taskId }).first("blocked_by"))?.blocked_by ?? [];
  const unseen = ids.filter((id) => !seen.some((r) => r.id === id));
  const missing = unseen.filter((id) => !current.includes(id));
  if (missing.length) throw invalidBlockers(`no task you can see has the id ${missing.join(", ")}`);
  if (unseen.length) seen.push(...(await trx<TaskRow>(TASKS).whereIn("id", unseen).select("id", "status")));
  // Everything the new blockers wait for, transitively; `union` stops at tasks already reached.
  const { rows } = await trx.raw(
    `with recursive waits(id) as (
       select unnest(blocked_by) from ${TASKS} where id = any(?::uuid[])
       union
       select unnest(t.blocked_by) from ${TASKS} t join waits w on t.id = w.id
     ) select 1 from waits where id = ? limit 1`,
    [ids, taskId],
  );
  if (rows.length) throw invalidBlockers("would make a cycle: a blocker already waits for this task");
  // A kept blocker deleted meanwhile is gone from the list.
  return { blocked_by: ids.filter((id) => seen.some((r) => r.id === id)), blocked: seen.some((r) => r.status !== "done") };
}

export interface DependentChange {
  id: string;
  set: Partial<TaskRow>;
  /** The completed task that freed it, when this change unblocks it. */
  freedBy?: TaskRow;
}

/**
 * The tasks waiting for `rows`, after those changed status or were deleted: their `blocked`
 * recomputed, and deleted blockers dropped from their lists. Read through the GIN index.
 *
 * A recurring blocker is never done while occurrences remain: it advances. Completing one of
 * its occurrences (`advanced`: those rows' ids) satisfies the dependency, so the blocker
 * leaves the waiting tasks' `blockedBy` (their history records it) and, when it was the last
 * open one, frees them: told once, since it is no longer in their list at the next occurrence.
 */
export async function dependentsOf(trx: Trx, rows: TaskRow[], deleted: boolean, advanced: string[] = []): Promise<DependentChange[]> {
  const ids = rows.map((r) => r.id);
  const dependents: TaskRow[] = await trx<TaskRow>(TASKS).whereRaw("blocked_by && ?::uuid[] and blocked_by <> '{}'", [ids]).forUpdate();
  if (dependents.length === 0) return [];
  const blockers = [...new Set(dependents.flatMap((d) => d.blocked_by))];
  const open = new Set<string>(await trx(TASKS).whereIn("id", blockers).whereNot("status", "done").pluck("id"));
  // Blockers that leave the lists: deleted ones, or recurring ones whose occurrence was completed.
  const leaving = deleted ? ids : advanced;
  const satisfied = (r: TaskRow) => r.status === "done" || advanced.includes(r.id);
  const changes: DependentChange[] = [];
  for (const dep of dependents) {
    const blockedBy = leaving.length ? dep.blocked_by.filter((id) => !leaving.includes(id)) : dep.blocked_by;
    const blocked = blockedBy.some((id) => open.has(id));
    const listChanged = blockedBy.length !== dep.blocked_by.length;
    if (blocked === dep.blocked && !listChanged) continue;
    const freedBy = !deleted && dep.blocked && !blocked ? rows.find((r) => satisfied(r) && dep.blocked_by.includes(r.id)) : undefined;
    changes.push({ id: dep.id, set: listChanged ? { blocked, blocked_by: blockedBy } : { blocked }, freedBy });
  }
  return changes;
}

/** The notification's event: the blocked task's assignee, else its owner, is told. */
export function unblockedEvent(task: TaskRow, blocker: TaskRow, now: Date): TaskUnblockedEvent {
  return {
    key: `unblocked:${task.id}:${blocker.id}:${blocker.version}`,
    taskId: task.id,
    blockerId: blocker.id,
    ownerId: task.owner_id,
    recipientId: task.assignee_id ?? task.owner_id,
    projectId: task.project_id,
    title: task.title,
    dueAt: task.due_at ? new Date(task.due_at).toISOString() : null,
    timezone: task.timezone,
    occurredAt: now.toISOString(),
  };
}

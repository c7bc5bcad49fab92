import type { Knex } from "knex";
import { abilityFromMeta, Action, rulesToSql } from "../../libs/authz";
import type { AuthMeta } from "../../libs/contracts";
import type { Trx } from "../../libs/db";
import { prepared } from "../../libs/db/prepared";
import { ForbiddenError, NotFoundError, PreconditionFailedError } from "../../libs/errors";
import { TASK_COLUMNS, TASK_RULE_COLUMNS, TaskRow, TASKS } from "./task-row";

/** One task, restricted to what the caller's rules allow for `action`. */
export function scopedTask(db: Knex | Trx, auth: AuthMeta, action: Action, id: string): Knex.QueryBuilder<TaskRow> {
  const q = db<TaskRow>(TASKS).where({ id });
  rulesToSql(q, abilityFromMeta(auth), action, "Task", TASK_RULE_COLUMNS);
  return q;
}

/** A primary-key lookup: one plan is right for every id, so it is prepared once per connection. */
export async function readTask(db: Knex | Trx, auth: AuthMeta, id: string): Promise<TaskRow> {
  const row: TaskRow | undefined = await prepared(db, scopedTask(db, auth, "read", id).select(TASK_COLUMNS).first());
  if (!row) throw new NotFoundError(`task ${id} not found`);
  return row;
}

/**
 * Locks the row the caller may change. A task they may read but not change answers 403;
 * one they may not even see answers 404, so its existence does not leak.
 */
export async function lockForChange(trx: Trx, auth: AuthMeta, action: Action, id: string, expectedVersion?: number): Promise<TaskRow> {
  const row = await scopedTask(trx, auth, action, id).forUpdate().first();
  if (!row) {
    const visible = await scopedTask(trx, auth, "read", id).first();
    if (visible) throw new ForbiddenError(`not allowed to ${action} task ${id}`);
    throw new NotFoundError(`task ${id} not found`);
  }
  if (expectedVersion !== undefined && row.version !== expectedVersion) {
    throw new PreconditionFailedError(`task ${id} is at version ${row.version}, not ${expectedVersion}`);
  }
  return row;
}

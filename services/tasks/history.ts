import type { Knex } from "knex";
import type { AuthMeta, HistoryItemDto, HistoryPage, TaskDto } from "../../libs/contracts";
import type { Db, Trx } from "../../libs/db";
import { ValidationError } from "../../libs/errors";
import type { CursorCodec } from "../../libs/task-query";
import { TASKS_SCHEMA } from "./migrations";
import { projectAccess } from "./project-store";
import { TaskRow, toTaskDto } from "./task-row";
import { readTask } from "./task-scope";

export const HISTORY = `${TASKS_SCHEMA}.history`;

/** The fields a change is recorded for: what people edit, not what follows from it (version, progress, blocked). */
const TRACKED = ["title", "description", "status", "priority", "dueAt", "startAt", "tags", "recurrence", "reminders", "projectId", "assigneeId", "parentId", "position", "blockedBy"] as const;

interface HistoryRow {
  seq: string;
  at: Date;
  actor_id: string | null;
  task_id: string | null;
  project_id: string | null;
  user_id: string | null;
  action: string;
  changes: { field: string; from: unknown; to: unknown }[];
}

type NewEntry = Omit<HistoryRow, "seq">;

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/**
 * The entries one task write makes: created, deleted, completed, moved (its project changed) or
 * updated, with each tracked field from → to. A write that changes no tracked field (a parent's
 * progress, a dependent's blocked flag) records nothing.
 */
export function taskEntries(
  kind: "create" | "update" | "delete",
  completed: boolean,
  before: Map<string, TaskRow>,
  rows: TaskRow[],
  actorId: string | null,
  at: Date,
): NewEntry[] {
  return rows.flatMap((row): NewEntry[] => {
    const base = { at, actor_id: actorId, task_id: row.id, project_id: row.project_id, user_id: null };
    if (kind === "create") return [{ ...base, action: "created", changes: [] }];
    if (kind === "delete") return [{ ...base, action: "deleted", changes: [] }];
    const old = before.get(row.id);
    if (!old) return [];
    const [from, to] = [toTaskDto(old), toTaskDto(row)];
    const changes = TRACKED.filter((f) => !same(from[f as keyof TaskDto], to[f as keyof TaskDto])).map((field) => ({
      field,
      from: from[field as keyof TaskDto] ?? null,
      to: to[field as keyof TaskDto] ?? null,
    }));
    if (changes.length === 0) return [];
    const action = completed ? "completed" : changes.some((c) => c.field === "projectId") ? "moved" : "updated";
    return [{ ...base, action, changes }];
  });
}

/** A membership change of a project, as its history shows it. */
export function membershipEntry(projectId: string, userId: string, from: string | null, to: string | null, actorId: string | null, at: Date): NewEntry {
  const action = from === null ? "member.added" : to === null ? "member.removed" : "member.changed";
  return { at, actor_id: actorId, task_id: null, project_id: projectId, user_id: userId, action, changes: [{ field: "role", from, to }] };
}

/** Written in the caller's transaction: the change and its history commit together or not at all. */
export async function recordHistory(trx: Trx, entries: NewEntry[]): Promise<void> {
  for (let i = 0; i < entries.length; i += 500) {
    await trx(HISTORY).insert(entries.slice(i, i + 500).map((e) => ({ ...e, changes: JSON.stringify(e.changes) })));
  }
}

const toItem = (row: HistoryRow): HistoryItemDto => ({
  id: String(row.seq),
  at: new Date(row.at).toISOString(),
  actorId: row.actor_id,
  taskId: row.task_id,
  userId: row.user_id,
  action: row.action,
  changes: row.changes,
});

/** Reading history, newest first, keyset-paged; and forgetting what is older than the retention. */
export class HistoryReader {
  constructor(
    private readonly db: Db,
    private readonly cursors: CursorCodec,
  ) {}

  /** A task's history, for whoever may read the task now. */
  async forTask(auth: AuthMeta, id: string, limit: number, cursor?: string): Promise<HistoryPage> {
    await readTask(this.db, auth, id);
    return this.page(auth, `history:task:${id}`, this.db(HISTORY).where({ task_id: id }), limit, cursor);
  }

  /** A project's history (its tasks' and its memberships'), for its members. */
  async forProject(auth: AuthMeta, id: string, limit: number, cursor?: string): Promise<HistoryPage> {
    await projectAccess(this.db, auth, id, "read");
    return this.page(auth, `history:project:${id}`, this.db(HISTORY).where({ project_id: id }), limit, cursor);
  }

  private async page(auth: AuthMeta, fingerprint: string, q: Knex.QueryBuilder, limit: number, cursor?: string): Promise<HistoryPage> {
    if (cursor) {
      const [seq] = this.cursors.decode(cursor, fingerprint, auth.userId, 1);
      if (typeof seq !== "string" || !/^\d{1,19}$/.test(seq)) throw new ValidationError("Invalid cursor", [{ path: "query.cursor", message: "is not a cursor this list issued" }]);
      q.where("seq", "<", seq);
    }
    const rows: HistoryRow[] = await q.orderBy("seq", "desc").limit(limit + 1);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { items: page.map(toItem), nextCursor: rows.length > limit && last ? this.cursors.encode(fingerprint, auth.userId, [String(last.seq)]) : null };
  }

  /** Deletes entries older than `before`, a bounded batch at a time; answers how many went. */
  async purge(before: Date, batch = 5_000): Promise<number> {
    let total = 0;
    for (;;) {
      const n = await this.db(HISTORY).whereIn("seq", this.db(HISTORY).where("at", "<", before).select("seq").limit(batch)).delete();
      total += n;
      if (n < batch) return total;
    }
  }
}

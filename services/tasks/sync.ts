import { createHmac, timingSafeEqual } from "node:crypto";
import type { Clock } from "../../libs/clock";
import { abilityFromMeta, rulesToSql } from "../../libs/authz";
import type { AuthMeta, ProjectDto, TaskDto } from "../../libs/contracts";
import type { Db } from "../../libs/db";
import { GoneError, ValidationError } from "../../libs/errors";
import { TASKS_SCHEMA } from "./migrations";
import { COMPLETIONS, TASK_RULE_COLUMNS, TaskRow, TASKS, toTaskDto } from "./task-row";

const S = TASKS_SCHEMA;
/** A client that has been away longer starts over; tombstones older than this may be pruned. */
export const SYNC_TOKEN_MAX_AGE_MS = 30 * 24 * 60 * 60 * 1000;

/** Where a client is in the feed: after (seq, rank, id); `floor`: tombstones at or below it are not news to it. */
interface Position {
  /** Positions are bigints (decimal strings; tokens issued before 0015 hold numbers). */
  seq: string;
  rank: number;
  id: string;
  floor: string;
}
const START: Position = { seq: "0", rank: 0, id: "00000000-0000-0000-0000-000000000000", floor: "0" };
const RANK = { project: 0, task: 1, goneProject: 2, goneTask: 3 } as const;

export interface SyncPage {
  tasks: TaskDto[];
  projects: ProjectDto[];
  deleted: { kind: "task" | "project"; id: string }[];
  nextToken: string;
  hasMore: boolean;
}

const invalid = () => new ValidationError("Invalid sync token", [{ path: "query.since", message: "is not a token this server issued to you" }]);

/**
 * Delta sync over the change feed of migrations 0012 and 0015: every task, project and membership
 * row carries the position of its last change (its transaction first, so positions follow commits), and tombstones record tasks deleted or
 * moved out of a scope and members who left. One page is the next `limit` items in
 * (seq, rank, id) order of the union of what the caller can see; the token is that position,
 * signed for the caller. A project joined since the token brings all its tasks (at the join's
 * seq); a project left brings its tasks, and those deleted in it since, under `deleted`.
 */
export class SyncFeed {
  constructor(
    private readonly db: Db,
    private readonly secret: string,
    private readonly clock: Clock,
  ) {}

  async page(auth: AuthMeta, since: string | undefined, limit: number): Promise<SyncPage> {
    // Only positions below the oldest transaction still running (migration 0015): one that commits later lands above the token.
    const bound = await this.bound();
    const at = since === undefined ? { ...START, floor: bound } : this.decode(since, auth.userId);
    const u = auth.userId;
    const after = [bound, at.seq, at.rank, at.id];
    const n = limit + 1;
    const keyset = (seq: string, rank: number, id: string) => `${seq} < ?::bigint and (${seq}, ${rank}, ${id}) > (?::bigint, ?::int, ?::uuid)`;
    // Each part is bounded by the keyset and the limit, so a page costs a few index ranges, not the account.
    const sql = `
      with mine as (select project_id, role, change_seq from ${S}.project_members where user_id = ?),
      left_projects as (
        select project_id, max(seq) as seq from ${S}.tombstones
        where kind = 'member' and user_id = ? and seq > ? and project_id not in (select project_id from mine) group by project_id
      )
      select * from (
        (select ${RANK.task} as rank, t.change_seq as seq, t.id, to_jsonb(t) as row, null::text as role from ${S}.tasks t
          where t.owner_id = ? and t.project_id is null and ${keyset("t.change_seq", RANK.task, "t.id")} order by t.change_seq, t.id limit ?)
        union all
        (select ${RANK.task}, greatest(t.change_seq, m.change_seq) as seq, t.id, to_jsonb(t), null from ${S}.tasks t join mine m on m.project_id = t.project_id
          where ${keyset("greatest(t.change_seq, m.change_seq)", RANK.task, "t.id")} order by 2, t.id limit ?)
        union all
        (select ${RANK.project}, greatest(p.change_seq, m.change_seq), p.id, to_jsonb(p), m.role from ${S}.projects p join mine m on m.project_id = p.id
          where ${keyset("greatest(p.change_seq, m.change_seq)", RANK.project, "p.id")} order by 2, p.id limit ?)
        union all
        (select ${RANK.goneProject}, l.seq, l.project_id, null, null from left_projects l
          where ${keyset("l.seq", RANK.goneProject, "l.project_id")} order by 2, 3 limit ?)
        union all
        (select ${RANK.goneTask}, l.seq, t.id, null, null from ${S}.tasks t join left_projects l on l.project_id = t.project_id
          where ${keyset("l.seq", RANK.goneTask, "t.id")} order by 2, 3 limit ?)
        union all
        (select ${RANK.goneTask}, g.seq, g.id, null, null from ${S}.tombstones g
          where g.kind = 'task' and g.seq > ? and ${keyset("g.seq", RANK.goneTask, "g.id")}
            and ((g.owner_id = ? and g.project_id is null) or g.project_id in (select project_id from mine) or g.project_id in (select project_id from left_projects))
            and not exists (select 1 from ${S}.tasks t where t.id = g.id and ((t.owner_id = ? and t.project_id is null) or t.project_id in (select project_id from mine)))
          order by 2, 3 limit ?)
      ) feed order by seq, rank, id limit ?`;
    const bindings = [u, u, at.floor, u, ...after, n, ...after, n, ...after, n, ...after, n, ...after, n, at.floor, ...after, u, u, n, n];
    const rows: { rank: number; seq: string; id: string; row: Record<string, unknown> | null; role: string | null }[] = (await this.db.raw(sql, bindings)).rows;
    const hasMore = rows.length > limit;
    const items = rows.slice(0, limit);
    const out: SyncPage = { tasks: [], projects: [], deleted: [], nextToken: "", hasMore };
    const seenGone = new Set<string>();
    for (const item of items) {
      if (item.rank === RANK.task) out.tasks.push(toTaskDto(fromJson(item.row!) as unknown as TaskRow));
      else if (item.rank === RANK.project) out.projects.push(toProjectDto(item.row!, item.role!));
      else if (!seenGone.has(item.id)) {
        seenGone.add(item.id);
        out.deleted.push({ kind: item.rank === RANK.goneProject ? "project" : "task", id: item.id });
      }
    }
    const last = items[items.length - 1];
    const next = last ? { seq: String(last.seq), rank: last.rank, id: last.id, floor: at.floor } : at;
    out.nextToken = this.encode(next, u);
    return out;
  }

  /**
   * Below this, every position is final: its transaction has ended and none still running can
   * write one. A first sync starts with it as its floor: tombstones below it are not news to it.
   */
  private async bound(): Promise<string> {
    const { rows } = await this.db.raw(`select ${S}.sync_bound()::text as bound`);
    return rows[0].bound;
  }

  private encode(p: Position, userId: string): string {
    const body = Buffer.from(JSON.stringify({ u: userId, p: [p.seq, p.rank, p.id, p.floor], t: this.clock.now().getTime() })).toString("base64url");
    return `${body}.${this.sign(body)}`;
  }

  private decode(token: string, userId: string): Position {
    const [body, signature, extra] = token.split(".");
    if (!body || !signature || extra !== undefined) throw invalid();
    const expected = Buffer.from(this.sign(body));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
    const payload = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as { u: string; p: [number | string, number, string, number | string]; t: number };
    if (payload.u !== userId) throw invalid();
    if (this.clock.now().getTime() - payload.t > SYNC_TOKEN_MAX_AGE_MS) throw new GoneError("the sync token is older than 30 days: sync again from the start (without since)");
    const [seq, rank, id, floor] = payload.p;
    return { seq: String(seq), rank, id, floor: String(floor) };
  }

  private sign(body: string): string {
    return createHmac("sha256", `sync:${this.secret}`).update(body).digest("base64url").slice(0, 32);
  }

  /** Tombstones no valid token can still need. */
  async prune(): Promise<number> {
    const cutoff = new Date(this.clock.now().getTime() - SYNC_TOKEN_MAX_AGE_MS - 24 * 60 * 60 * 1000);
    return this.db(`${S}.tombstones`).where("created_at", "<", cutoff).del();
  }
}

/** to_jsonb gives timestamps as text; the row mapper expects what the driver gives. */
function fromJson(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...row };
  for (const key of ["due_at", "start_at", "completed_at", "created_at", "updated_at", "dtstart"]) {
    if (typeof out[key] === "string") out[key] = new Date(out[key] as string);
  }
  return out;
}

function toProjectDto(row: Record<string, unknown>, role: string): ProjectDto {
  return {
    id: row.id as string,
    name: row.name as string,
    ownerId: row.owner_id as string,
    role: role as ProjectDto["role"],
    createdAt: new Date(row.created_at as string).toISOString(),
    updatedAt: new Date(row.updated_at as string).toISOString(),
  };
}

/** The completions of the given tasks the caller may read, for an export page by page. */
export async function completionsOf(db: Db, auth: AuthMeta, taskIds: string[]) {
  if (!taskIds.length) return [];
  const visible = db<TaskRow>(TASKS).whereIn("id", taskIds).select("id");
  rulesToSql(visible, abilityFromMeta(auth), "read", "Task", TASK_RULE_COLUMNS);
  const rows: { task_id: string; occurrence_at: Date | null; completed_at: Date }[] = await db(COMPLETIONS)
    .whereIn("task_id", visible)
    .orderBy(["task_id", "completed_at"]);
  return rows.map((r) => ({ taskId: r.task_id, occurrenceAt: r.occurrence_at && new Date(r.occurrence_at).toISOString(), completedAt: new Date(r.completed_at).toISOString() }));
}

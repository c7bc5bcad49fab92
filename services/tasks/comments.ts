import { randomUUID } from "node:crypto";
import { abilityFromMeta, asProject } from "../../libs/authz";
import { AuthMeta, COMMENT_CHANNELS, COMMENT_MENTIONED_CHANNEL, CommentChannel, CommentEvent, StoredCommentDto } from "../../libs/contracts";
import type { Trx } from "../../libs/db";
import { ForbiddenError, NotFoundError, PreconditionFailedError, ValidationError } from "../../libs/errors";
import type { CursorCodec } from "../../libs/task-query";
import { recordHistory } from "./history";
import { TASKS_SCHEMA } from "./migrations";
import { MEMBERS } from "./project-store";
import { TaskRow, TASKS } from "./task-row";
import { readTask } from "./task-scope";
import type { TaskWriter } from "./task-writer";

export const COMMENTS = `${TASKS_SCHEMA}.comments`;

export interface CommentRow {
  id: string;
  seq: string;
  task_id: string;
  author_id: string;
  text: string;
  mentions: string[];
  created_at: Date;
  updated_at: Date;
  version: number;
}

export const toDto = (row: CommentRow): StoredCommentDto => ({
  id: row.id,
  taskId: row.task_id,
  authorId: row.author_id,
  text: row.text,
  mentions: row.mentions,
  createdAt: new Date(row.created_at).toISOString(),
  updatedAt: new Date(row.updated_at).toISOString(),
  version: row.version,
});

/**
 * Comments on tasks: anyone who may read the task comments on it (viewers too: discussing is
 * reading, not changing the task); authors edit their own; authors and the project's owner
 * delete. Mentioned members who may read the task are notified through the outbox.
 */
export class CommentStore {
  constructor(
    private readonly writer: TaskWriter,
    private readonly cursors: CursorCodec,
  ) {}

  async list(auth: AuthMeta, taskId: string, limit: number, cursor?: string): Promise<{ items: StoredCommentDto[]; nextCursor: string | null }> {
    await readTask(this.writer.db, auth, taskId);
    const fingerprint = `comments:${taskId}`;
    const q = this.writer.db<CommentRow>(COMMENTS).where({ task_id: taskId });
    if (cursor) {
      const [seq] = this.cursors.decode(cursor, fingerprint, auth.userId, 1);
      if (typeof seq !== "string" || !/^\d{1,19}$/.test(seq)) throw new ValidationError("Invalid cursor", [{ path: "query.cursor", message: "is not a cursor this list issued" }]);
      q.where("seq", ">", seq);
    }
    const rows = await q.orderBy("seq").limit(limit + 1);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { items: page.map(toDto), nextCursor: rows.length > limit && last ? this.cursors.encode(fingerprint, auth.userId, [String(last.seq)]) : null };
  }

  /** Every comment by id with its task's owner and project, for `npm run reindex` (search rebuilds comment text). */
  async exportPage(afterId: string | undefined, limit: number): Promise<CommentEvent[]> {
    const q = this.writer.db<CommentRow & Pick<TaskRow, "owner_id" | "project_id">>(`${COMMENTS} as c`)
      .join(`${TASKS} as t`, "t.id", "c.task_id")
      .select("c.*", "t.owner_id", "t.project_id")
      .orderBy("c.id")
      .limit(limit);
    if (afterId) q.where("c.id", ">", afterId);
    return (await q).map((row) => this.eventOf(COMMENT_CHANNELS.updated, { id: row.task_id, owner_id: row.owner_id, project_id: row.project_id }, row));
  }

  /** The task a comment is on, when the caller may read it. */
  async taskOf(auth: AuthMeta, id: string): Promise<string> {
    const row = await this.writer.db<CommentRow>(COMMENTS).where({ id }).first();
    if (!row) throw new NotFoundError(`comment ${id} not found`);
    await readTask(this.writer.db, auth, row.task_id).catch(() => {
      throw new NotFoundError(`comment ${id} not found`);
    });
    return row.task_id;
  }

  async add(auth: AuthMeta, taskId: string, text: string, mentions: string[], idempotencyKey?: string): Promise<StoredCommentDto> {
    const result = await this.writer.creating(auth, "comments", idempotencyKey, { taskId, text }, (trx) => this.insert(trx, auth, taskId, text, mentions));
    return result.response;
  }

  /** Adds a comment in the caller's transaction (one of the writer's): the API's path, and an import's. */
  async insert(trx: Trx, auth: AuthMeta, taskId: string, text: string, mentions: string[]): Promise<StoredCommentDto> {
    const task = await readTask(trx, auth, taskId);
    const now = this.writer.clock.now();
    const mentioned = await this.readers(trx, task, mentions, auth.userId);
    const [row] = await trx<CommentRow>(COMMENTS)
      .insert({ id: randomUUID(), task_id: taskId, author_id: auth.userId, text, mentions: mentioned, created_at: now, updated_at: now, version: 1 })
      .returning("*");
    await recordHistory(trx, [
      { at: now, actor_id: auth.userId, task_id: taskId, project_id: task.project_id, user_id: null, action: "commented", changes: [{ field: "comment", from: null, to: row!.id }] },
    ]);
    await this.notify(trx, task, row!, mentioned);
    await this.announce(trx, COMMENT_CHANNELS.created, task, row!);
    return toDto(row!);
  }

  async edit(auth: AuthMeta, id: string, text: string, mentions: string[], expectedVersion?: number): Promise<StoredCommentDto> {
    return this.writer.transaction(async (trx) => {
      const { row, task } = await this.locked(trx, auth, id);
      if (row.author_id !== auth.userId) throw new ForbiddenError("only its author edits a comment");
      if (expectedVersion !== undefined && row.version !== expectedVersion) throw new PreconditionFailedError(`comment ${id} is at version ${row.version}, not ${expectedVersion}`);
      const mentioned = await this.readers(trx, task, mentions, auth.userId);
      const now = this.writer.clock.now();
      const [updated] = await trx<CommentRow>(COMMENTS).where({ id }).update({ text, mentions: mentioned, updated_at: now, version: row.version + 1 }).returning("*");
      await recordHistory(trx, [
        { at: now, actor_id: auth.userId, task_id: task.id, project_id: task.project_id, user_id: null, action: "comment.edited", changes: [{ field: "comment", from: row.text, to: text }] },
      ]);
      // Only members newly mentioned are told: an edit does not notify twice.
      await this.notify(trx, task, updated!, mentioned.filter((m) => !row.mentions.includes(m)));
      await this.announce(trx, COMMENT_CHANNELS.updated, task, updated!);
      return toDto(updated!);
    }, auth.userId);
  }

  async remove(auth: AuthMeta, id: string): Promise<void> {
    await this.writer.transaction(async (trx) => {
      const { row, task } = await this.locked(trx, auth, id);
      const projectOwner = task.project_id !== null && abilityFromMeta(auth).can("share", asProject(task.project_id));
      if (row.author_id !== auth.userId && !projectOwner) throw new ForbiddenError("only its author or the project's owner deletes a comment");
      await trx(COMMENTS).where({ id }).delete();
      const now = this.writer.clock.now();
      await recordHistory(trx, [
        { at: now, actor_id: auth.userId, task_id: task.id, project_id: task.project_id, user_id: null, action: "comment.deleted", changes: [{ field: "comment", from: row.id, to: null }] },
      ]);
      await this.announce(trx, COMMENT_CHANNELS.deleted, task, { ...row, text: "", mentions: [], updated_at: now, version: row.version + 1 });
    }, auth.userId);
  }

  /** The comment, locked, on a task the caller may read (404 otherwise, as if it did not exist). */
  private async locked(trx: Trx, auth: AuthMeta, id: string): Promise<{ row: CommentRow; task: TaskRow }> {
    const row = await trx<CommentRow>(COMMENTS).where({ id }).forUpdate().first();
    if (!row) throw new NotFoundError(`comment ${id} not found`);
    const task = await readTask(trx, auth, row.task_id).catch(() => {
      throw new NotFoundError(`comment ${id} not found`);
    });
    return { row, task };
  }

  /** Of the named users, those who may read the task (members of its project, or its owner), the author aside. */
  private async readers(trx: Trx, task: TaskRow, userIds: string[], authorId: string): Promise<string[]> {
    const wanted = [...new Set(userIds)].filter((id) => id !== authorId);
    if (wanted.length === 0) return [];
    if (!task.project_id) return wanted.filter((id) => id === task.owner_id);
    return trx(MEMBERS).where({ project_id: task.project_id }).whereIn("user_id", wanted).pluck("user_id");
  }

  /** The change, for search and webhooks, in the comment's own transaction. */
  private async announce(trx: Trx, channel: CommentChannel, task: TaskRow, comment: CommentRow): Promise<void> {
    await this.writer.publish(trx, channel, [this.eventOf(channel, task, comment)]);
  }

  private eventOf(channel: CommentChannel, task: Pick<TaskRow, "id" | "owner_id" | "project_id">, comment: CommentRow): CommentEvent {
    const { id, ...fields } = toDto(comment);
    return { key: `${channel}:${id}:${comment.version}`, commentId: id, projectId: task.project_id, ownerId: task.owner_id, ...fields };
  }

  private async notify(trx: Trx, task: TaskRow, comment: CommentRow, recipients: string[]): Promise<void> {
    if (recipients.length === 0) return;
    await this.writer.publish(
      trx,
      COMMENT_MENTIONED_CHANNEL,
      recipients.map((recipientId) => ({
        key: `mention:${comment.id}:${comment.version}:${recipientId}`,
        commentId: comment.id,
        taskId: task.id,
        projectId: task.project_id,
        ownerId: task.owner_id,
        authorId: comment.author_id,
        recipientId,
        title: task.title,
        timezone: task.timezone,
      })),
    );
  }
}

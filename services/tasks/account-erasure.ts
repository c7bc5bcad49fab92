import { COMMENT_CHANNELS } from "../../libs/contracts";
import type { Trx } from "../../libs/db";
import { COMMENTS } from "./comments";
import { HISTORY } from "./history";
import { TASKS_SCHEMA } from "./migrations";
import { MEMBERS, PROJECTS, recordMemberships } from "./project-store";
import { TASKS } from "./task-row";
import type { TaskWriter } from "./task-writer";

const BATCH = 1_000;

/**
 * A deleted account's share of the tasks schema, erased on user.deleted: every task they own
 * (each deletion an event, so the scheduler drops its reminders and search its document), the
 * projects they own with all their tasks, and their memberships elsewhere (their assignments
 * there end, as when a member is removed).
 *
 * What they wrote on others' tasks goes too: their comments are deleted (each a comment.deleted
 * event, so search forgets the text), and they are unmentioned in the comments that named them.
 * History keeps what happened to others' tasks but not who they were: entries of their own
 * tasks and projects are deleted; elsewhere, entries they made lose their actor (null, as the
 * system's), entries about their membership lose the user, and their id is replaced by null in
 * recorded changes (an assignee from → to); the text of their comment edits is removed. Their
 * imports (jobs, uploads, and the keys that make a re-import idempotent) are deleted.
 * Idempotent: a redelivery finds nothing left.
 */
export async function eraseAccount(writer: TaskWriter, userId: string): Promise<void> {
  await writer.transaction(async (trx: Trx) => {
    const own = await writer.write(trx, { kind: "delete", where: { owner_id: userId } });
    await deleteHistory(trx, "task_id", own.map((t) => t.id));
    const owned: { id: string }[] = await trx(PROJECTS).where({ owner_id: userId }).select("id");
    for (const { id } of owned) {
      await writer.write(trx, { kind: "delete", where: { project_id: id } });
      const members: { user_id: string }[] = await trx(MEMBERS).where({ project_id: id }).select("user_id");
      await trx(PROJECTS).where({ id }).delete();
      await recordMemberships(trx, writer, members.map((m) => ({ projectId: id, userId: m.user_id, role: null })));
    }
    await deleteHistory(trx, "project_id", owned.map((p) => p.id));
    const elsewhere: { project_id: string }[] = await trx(MEMBERS).where({ user_id: userId }).delete().returning("project_id");
    await recordMemberships(trx, writer, elsewhere.map((m) => ({ projectId: m.project_id, userId, role: null })));
    for (const { project_id } of elsewhere) {
      await writer.write(trx, { kind: "update", where: { project_id, assignee_id: userId }, set: { assignee_id: null } });
    }
    await eraseComments(writer, trx, userId);
    await anonymiseHistory(trx, userId);
    // Their imports: jobs (with their uploads and items) and what each source item became.
    await trx(`${TASKS_SCHEMA}.imports`).where({ owner_id: userId }).delete();
    await trx(`${TASKS_SCHEMA}.import_keys`).where({ owner_id: userId }).delete();
  });
}

async function deleteHistory(trx: Trx, column: "task_id" | "project_id", ids: string[]): Promise<void> {
  for (let i = 0; i < ids.length; i += BATCH) await trx(HISTORY).whereIn(column, ids.slice(i, i + BATCH)).delete();
}

/** Their comments on others' tasks, deleted with an event each; their mentions in others' comments, removed. */
async function eraseComments(writer: TaskWriter, trx: Trx, userId: string): Promise<void> {
  for (;;) {
    const rows: { id: string; task_id: string; project_id: string | null; owner_id: string; mentions: string[]; created_at: Date; updated_at: Date; version: number }[] = await trx(`${COMMENTS} as c`)
      .join(`${TASKS} as t`, "t.id", "c.task_id")
      .where("c.author_id", userId)
      .limit(BATCH)
      .select("c.id", "c.task_id", "t.project_id", "t.owner_id", "c.mentions", "c.created_at", "c.updated_at", "c.version");
    if (!rows.length) break;
    await trx(COMMENTS).whereIn("id", rows.map((r) => r.id)).delete();
    await writer.publish(
      trx,
      COMMENT_CHANNELS.deleted,
      rows.map((r) => ({
        key: `${COMMENT_CHANNELS.deleted}:${r.id}:${r.version}`,
        commentId: r.id,
        taskId: r.task_id,
        projectId: r.project_id,
        ownerId: r.owner_id,
        authorId: userId,
        text: "",
        mentions: r.mentions,
        createdAt: new Date(r.created_at).toISOString(),
        updatedAt: new Date(r.updated_at).toISOString(),
        version: r.version,
      })),
    );
  }
  await trx(COMMENTS).whereRaw("mentions @> array[?]::uuid[]", [userId]).update({ mentions: trx.raw("array_remove(mentions, ?::uuid)", [userId]) });
}

/** One pass over history (a background erasure: no index serves "mentions this user anywhere"). */
async function anonymiseHistory(trx: Trx, userId: string): Promise<void> {
  const quoted = `"${userId}"`;
  await trx(HISTORY)
    .where({ actor_id: userId, action: "comment.edited" })
    .update({ changes: JSON.stringify([{ field: "comment", from: null, to: null }]) });
  await trx(HISTORY)
    .where((q) => q.where({ actor_id: userId }).orWhere({ user_id: userId }).orWhereRaw("changes::text like ?", [`%${quoted}%`]))
    .update({
      actor_id: trx.raw("nullif(actor_id, ?::uuid)", [userId]),
      user_id: trx.raw("nullif(user_id, ?::uuid)", [userId]),
      changes: trx.raw("replace(changes::text, ?, 'null')::jsonb", [quoted]),
    });
}

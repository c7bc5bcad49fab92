import type { Trx } from "../../libs/db";
import { MEMBERS, PROJECTS, recordMemberships } from "./project-store";
import type { TaskWriter } from "./task-writer";

/**
 * A deleted account's share of the tasks schema, erased on user.deleted: every task they own
 * (each deletion an event, so the scheduler drops its reminders and search its document), the
 * projects they own with all their tasks, and their memberships elsewhere (their assignments
 * there end, as when a member is removed). Idempotent: a redelivery finds nothing left.
 */
export async function eraseAccount(writer: TaskWriter, userId: string): Promise<void> {
  await writer.transaction(async (trx: Trx) => {
    await writer.write(trx, { kind: "delete", where: { owner_id: userId } });
    const owned: { id: string }[] = await trx(PROJECTS).where({ owner_id: userId }).select("id");
    for (const { id } of owned) {
      await writer.write(trx, { kind: "delete", where: { project_id: id } });
      const members: { user_id: string }[] = await trx(MEMBERS).where({ project_id: id }).select("user_id");
      await trx(PROJECTS).where({ id }).delete();
      await recordMemberships(trx, writer, members.map((m) => ({ projectId: id, userId: m.user_id, role: null })));
    }
    const elsewhere: { project_id: string }[] = await trx(MEMBERS).where({ user_id: userId }).delete().returning("project_id");
    await recordMemberships(trx, writer, elsewhere.map((m) => ({ projectId: m.project_id, userId, role: null })));
    for (const { project_id } of elsewhere) {
      await writer.write(trx, { kind: "update", where: { project_id, assignee_id: userId }, set: { assignee_id: null } });
    }
  });
}

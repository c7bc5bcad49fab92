import type { ProjectMembershipEvent, ReminderDueEvent } from "../../libs/contracts";
import type { Db } from "../../libs/db";
import { NOTIFY_SCHEMA } from "./migrations";

const MEMBERSHIPS = `${NOTIFY_SCHEMA}.memberships`;

/**
 * Notify's projection of project members, kept from project.membership events. Applying is
 * idempotent and monotonic: a redelivered or older version changes nothing, so a removal is
 * never undone by a grant that arrives late.
 */
export class MembershipStore {
  constructor(private readonly db: Db) {}

  /** Whether the event was newer than what is kept. */
  async apply(event: ProjectMembershipEvent): Promise<boolean> {
    const applied = await this.db(MEMBERSHIPS)
      .insert({ project_id: event.projectId, user_id: event.userId, role: event.role, version: event.version })
      .onConflict(["project_id", "user_id"])
      .merge()
      .where(`${MEMBERSHIPS}.version`, "<", event.version)
      .returning("user_id");
    return applied.length > 0;
  }

  /** Undefined when no event about this membership has arrived (yet). */
  async isMember(projectId: string, userId: string): Promise<boolean | undefined> {
    const row: { role: string | null } | undefined = await this.db(MEMBERSHIPS).where({ project_id: projectId, user_id: userId }).first("role");
    return row ? row.role !== null : undefined;
  }

  /**
   * The recipient check from the task as the reminder was planned: a personal task's owner,
   * or a member of its project. A task moved or reassigned since is covered: the scheduler
   * re-plans its jobs on that task.updated, so the event carries the task's project as of
   * its last change. Undefined when the event does not say (planned before it carried the
   * project), or when nothing about this membership has arrived yet (a member who joined a
   * moment ago, their event still on its way from another outbox): the caller must ask tasks.
   */
  async mayRead(event: Pick<ReminderDueEvent, "projectId" | "ownerId" | "recipientId">): Promise<boolean | undefined> {
    if (event.projectId === undefined) return undefined;
    if (event.projectId === null) return event.recipientId === event.ownerId;
    return this.isMember(event.projectId, event.recipientId);
  }
}

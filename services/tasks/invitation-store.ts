import { randomUUID } from "node:crypto";
import { DEFAULT_SHARING_LIMITS, type SharingLimits } from "../../libs/config";
import { AuthMeta, INVITATION_CREATED_CHANNEL, MembershipDto, ProjectInvitationDto } from "../../libs/contracts";
import type { Db, Trx } from "../../libs/db";
import { ConflictError, NotFoundError, RateLimitedError } from "../../libs/errors";
import { TASKS_SCHEMA } from "./migrations";
import { MEMBERS, PROJECTS, projectAccess, recordMemberships } from "./project-store";
import type { TaskWriter } from "./task-writer";

const INVITATIONS = `${TASKS_SCHEMA}.invitations`;
const HOUR_MS = 3600_000;

type MemberRole = "editor" | "viewer";

const alreadyInvited = () => new ConflictError("this email is already invited to this project");

interface InvitationRow {
  id: string;
  project_id: string;
  email: string;
  user_id: string | null;
  role: MemberRole;
  invited_by: string;
  status: "pending" | "accepted" | "declined" | "revoked";
  created_at: Date;
  answered_at: Date | null;
}

export interface PendingInvitation {
  id: string;
  projectId: string;
  projectName: string;
  role: MemberRole;
  invitedById: string;
  createdAt: string;
}

/**
 * Sharing with consent: the owner invites an email, and its holder becomes a member only by
 * accepting. Nothing about the invitee (whether the email has an account, their name) flows
 * back to the owner, and nothing of the project reaches the invitee before they accept.
 */
export class InvitationStore {
  constructor(
    private readonly writer: TaskWriter,
    private readonly limits: SharingLimits = DEFAULT_SHARING_LIMITS,
  ) {}

  private get db(): Db {
    return this.writer.db;
  }

  /**
   * `userId` is the account holding `email` now, if any: its holder is notified at once.
   * A duplicate (a member, or a pending invitation to the same email) is a 409; the owner
   * already sees both, so it tells them nothing new.
   */
  async invite(auth: AuthMeta, projectId: string, email: string, role: MemberRole, userId?: string, idempotencyKey?: string): Promise<{ invitationId: string }> {
    const request = { projectId, email, role };
    const { response } = await this.writer.creating(auth, "invitations", idempotencyKey, request, async (trx) => {
      const { row: project } = await projectAccess(trx, auth, projectId, "share");
      // One invitation at a time per project, so the member limit below cannot be overshot.
      await trx(PROJECTS).where({ id: projectId }).forUpdate().first();
      await this.checkRate(trx, auth.userId);
      if (userId && (await trx(MEMBERS).where({ project_id: projectId, user_id: userId }).first())) throw new ConflictError("already a member of this project");
      if (await trx(INVITATIONS).where({ project_id: projectId, email, status: "pending" }).first()) throw alreadyInvited();
      const [{ count: members }] = await trx(MEMBERS).where({ project_id: projectId }).count<{ count: string }[]>({ count: "*" });
      const [{ count: pending }] = await trx(INVITATIONS).where({ project_id: projectId, status: "pending" }).count<{ count: string }[]>({ count: "*" });
      if (Number(members) + Number(pending) >= this.limits.membersPerProject) throw new RateLimitedError(3600);

      const now = this.writer.clock.now();
      const row: InvitationRow = { id: randomUUID(), project_id: projectId, email, user_id: userId ?? null, role, invited_by: auth.userId, status: "pending", created_at: now, answered_at: null };
      const inserted = await trx(INVITATIONS).insert(row).onConflict(trx.raw("(project_id, email) where status = 'pending'")).ignore().returning("id");
      if (!inserted.length) throw alreadyInvited();
      if (userId) {
        await this.writer.publish(trx, INVITATION_CREATED_CHANNEL, {
          key: row.id,
          invitationId: row.id,
          projectId,
          projectName: project.name,
          role,
          recipientId: userId,
          invitedById: auth.userId,
          createdAt: now.toISOString(),
        });
      }
      return { invitationId: row.id };
    });
    return response;
  }

  /** At most `invitationsPerHour` sent in any hour; the hint is when the oldest of them ages out. */
  private async checkRate(trx: Trx, inviterId: string): Promise<void> {
    const now = this.writer.clock.now().getTime();
    const recent: { created_at: Date }[] = await trx(INVITATIONS)
      .where({ invited_by: inviterId })
      .andWhere("created_at", ">", new Date(now - HOUR_MS))
      .orderBy("created_at", "desc")
      .limit(this.limits.invitationsPerHour)
      .select("created_at");
    if (recent.length < this.limits.invitationsPerHour) return;
    const oldest = new Date(recent[recent.length - 1]!.created_at).getTime();
    throw new RateLimitedError(Math.max(1, Math.ceil((oldest + HOUR_MS - now) / 1000)));
  }

  async pendingOf(auth: AuthMeta, projectId: string): Promise<ProjectInvitationDto[]> {
    await projectAccess(this.db, auth, projectId, "share");
    const rows: InvitationRow[] = await this.db(INVITATIONS).where({ project_id: projectId, status: "pending" }).orderBy("created_at");
    return rows.map((r) => ({ id: r.id, email: r.email, role: r.role, createdAt: new Date(r.created_at).toISOString() }));
  }

  async revoke(auth: AuthMeta, projectId: string, invitationId: string): Promise<void> {
    await projectAccess(this.db, auth, projectId, "share");
    const updated = await this.db(INVITATIONS)
      .where({ id: invitationId, project_id: projectId, status: "pending" })
      .update({ status: "revoked", answered_at: this.writer.clock.now() });
    if (!updated) throw new NotFoundError(`invitation ${invitationId} not found`);
  }

  /** The caller's pending invitations: addressed to their account, or to its email before it existed. */
  async mine(auth: AuthMeta, email: string): Promise<PendingInvitation[]> {
    const rows = await this.addressedTo(this.db(`${INVITATIONS} as i`), auth, email)
      .join(`${PROJECTS} as p`, "p.id", "i.project_id")
      .orderBy("i.created_at", "desc")
      .select("i.*", "p.name as project_name");
    return rows.map((r: InvitationRow & { project_name: string }) => ({
      id: r.id,
      projectId: r.project_id,
      projectName: r.project_name,
      role: r.role,
      invitedById: r.invited_by,
      createdAt: new Date(r.created_at).toISOString(),
    }));
  }

  async accept(auth: AuthMeta, id: string, email: string): Promise<MembershipDto> {
    return this.writer.transaction(async (trx) => {
      const invitation = await this.answer(trx, auth, id, email, "accepted");
      // A member already (invited twice by different routes, say) keeps the role they have.
      const added = await trx(MEMBERS)
        .insert({ project_id: invitation.project_id, user_id: auth.userId, role: invitation.role, created_at: this.writer.clock.now() })
        .onConflict(["project_id", "user_id"])
        .ignore()
        .returning("user_id");
      if (added.length) await recordMemberships(trx, this.writer, [{ projectId: invitation.project_id, userId: auth.userId, role: invitation.role }]);
      const member = await trx(MEMBERS).where({ project_id: invitation.project_id, user_id: auth.userId }).first();
      return { projectId: invitation.project_id, userId: auth.userId, role: member.role };
    }, auth.userId);
  }

  async decline(auth: AuthMeta, id: string, email: string): Promise<void> {
    await this.writer.transaction((trx) => this.answer(trx, auth, id, email, "declined"));
  }

  /** Closes one of the caller's pending invitations; anybody else's is a 404, as if it did not exist. */
  private async answer(trx: Trx, auth: AuthMeta, id: string, email: string, status: "accepted" | "declined"): Promise<InvitationRow> {
    const [row] = await this.addressedTo(trx(`${INVITATIONS} as i`), auth, email)
      .andWhere("i.id", id)
      .update({ status, answered_at: this.writer.clock.now(), user_id: auth.userId })
      .returning("*");
    if (!row) throw new NotFoundError(`invitation ${id} not found`);
    return row;
  }

  private addressedTo<Q extends ReturnType<Db>>(q: Q, auth: AuthMeta, email: string): Q {
    return q.where("i.status", "pending").andWhere((w) => w.where("i.user_id", auth.userId).orWhere("i.email", email)) as Q;
  }
}

import type { ProjectRole } from "../../libs/authz";
import type { AuthMeta } from "../../libs/contracts";
import type { InvitationStore } from "../../services/tasks/invitation-store";

/** The email a store-level test gives a user: invitations are addressed to emails. */
export const emailOf = (userId: string): string => `${userId}@example.test`;

/**
 * Makes `member` a member of the project the only way there is: the owner invites them and
 * they accept (HTTP tests use `share` in test/support/api.ts).
 */
export async function shareInStore(
  invitations: InvitationStore,
  owner: AuthMeta,
  projectId: string,
  member: AuthMeta,
  role: Exclude<ProjectRole, "owner">,
): Promise<void> {
  const { invitationId } = await invitations.invite(owner, projectId, emailOf(member.userId), role, member.userId);
  await invitations.accept(member, invitationId, emailOf(member.userId));
}

import type { ServiceSchema } from "moleculer";
import { authOf } from "../../libs/broker";
import { serviceActions } from "../../libs/broker/bus";
import { DONE } from "../../libs/contracts";
import type { InvitationStore } from "./invitation-store";
import type { ProjectStore } from "./project-store";

/** Projects live in the tasks schema and run in the tasks process; this is their API on the broker. */
export function projectsService(projects: ProjectStore, invitations: InvitationStore): ServiceSchema {
  return {
    name: "projects",
    actions: serviceActions("projects", {
      create: (p, ctx) => projects.create(authOf(ctx), p.input, p.idempotencyKey),
      list: (p, ctx) => projects.list(authOf(ctx), p.limit, p.cursor),
      get: (p, ctx) => projects.get(authOf(ctx), p.id),
      rename: (p, ctx) => projects.rename(authOf(ctx), p.id, { name: p.name }),
      remove: async (p, ctx) => {
        await projects.remove(authOf(ctx), p.id);
        return DONE;
      },
      members: async (p, ctx) => ({ items: await projects.members(authOf(ctx), p.id) }),
      invite: (p, ctx) => invitations.invite(authOf(ctx), p.id, p.email, p.role, p.userId, p.idempotencyKey),
      invitations: async (p, ctx) => ({ items: await invitations.pendingOf(authOf(ctx), p.id) }),
      revokeInvitation: async (p, ctx) => {
        await invitations.revoke(authOf(ctx), p.id, p.invitationId);
        return DONE;
      },
      myInvitations: async (p, ctx) => ({ items: await invitations.mine(authOf(ctx), p.email) }),
      acceptInvitation: (p, ctx) => invitations.accept(authOf(ctx), p.id, p.email),
      declineInvitation: async (p, ctx) => {
        await invitations.decline(authOf(ctx), p.id, p.email);
        return DONE;
      },
      changeRole: async (p, ctx) => {
        await projects.changeRole(authOf(ctx), p.id, p.userId, p.role);
        return DONE;
      },
      removeMember: async (p, ctx) => {
        await projects.removeMember(authOf(ctx), p.id, p.userId);
        return DONE;
      },
      memberships: (p) => projects.memberships(p.userId),
      canRead: (p) => projects.canRead(p.taskId, p.userId),
    }),
  };
}

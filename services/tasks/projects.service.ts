import type { Context, ServiceSchema } from "moleculer";
import { authOf } from "../../libs/broker";
import type { ProjectRole } from "../../libs/authz";
import type { ProjectInput } from "../../libs/contracts";
import type { ProjectStore } from "./project-store";

type ById = { id: string };
type Member = ById & { userId: string };

/** Projects live in the tasks schema and run in the tasks process; this is their API on the broker. */
export function projectsService(projects: ProjectStore): ServiceSchema {
  return {
    name: "projects",
    actions: {
      create: (ctx: Context<{ input: ProjectInput; idempotencyKey?: string }>) =>
        projects.create(authOf(ctx), ctx.params.input, ctx.params.idempotencyKey),
      list: (ctx: Context<{ limit: number; cursor?: string }>) => projects.list(authOf(ctx), ctx.params.limit, ctx.params.cursor),
      get: (ctx: Context<ById>) => projects.get(authOf(ctx), ctx.params.id),
      rename: (ctx: Context<ById & ProjectInput>) => projects.rename(authOf(ctx), ctx.params.id, { name: ctx.params.name }),
      remove: async (ctx: Context<ById>) => {
        await projects.remove(authOf(ctx), ctx.params.id);
        return { deleted: true };
      },
      members: async (ctx: Context<ById>) => ({ items: await projects.members(authOf(ctx), ctx.params.id) }),
      addMember: async (ctx: Context<Member & { role: ProjectRole; idempotencyKey?: string }>) => {
        await projects.addMember(authOf(ctx), ctx.params.id, ctx.params.userId, ctx.params.role, ctx.params.idempotencyKey);
        return { added: true };
      },
      changeRole: async (ctx: Context<Member & { role: ProjectRole }>) => {
        await projects.changeRole(authOf(ctx), ctx.params.id, ctx.params.userId, ctx.params.role);
        return { changed: true };
      },
      removeMember: async (ctx: Context<Member>) => {
        await projects.removeMember(authOf(ctx), ctx.params.id, ctx.params.userId);
        return { removed: true };
      },
      /** The caller's memberships, from which every entry point (HTTP, WhatsApp replies) builds their abilities. */
      memberships: (ctx: Context<{ userId: string }>) => projects.memberships(ctx.params.userId),
      /** The recipient check of notifications: may this user see this task now? */
      canRead: (ctx: Context<{ taskId: string; userId: string }>) => projects.canRead(ctx.params.taskId, ctx.params.userId),
    },
  };
}

import { z } from "zod";
import type { AuthMeta } from "../../../libs/contracts";
import { invitationIdParams, membershipSchema, myInvitationSchema, projectInvitationSchema } from "../../../libs/contracts";
import { UnauthorizedError } from "../../../libs/errors";
import { idParams, route, RouteDef } from "../http/route";
import { callAs, GatewayContext, callersChanged } from "./context";
import { problemResponses } from "./problems";

const tag = "invitations";

/**
 * Both sides of an invitation: the invitee's (their pending invitations, accept, decline) and
 * the project owner's (what is pending, revoke). Sending one is POST /projects/:id/members.
 */
export function invitationRoutes(ctx: GatewayContext): RouteDef[] {
  /**
   * The caller's email, from the auth schema: an invitation sent before they registered is
   * addressed to it, and only the gateway knows which account holds which email.
   */
  const emailOf = async (auth: AuthMeta): Promise<string> => {
    const [user] = await ctx.users.findByIds([auth.userId]);
    if (!user) throw new UnauthorizedError("no such user");
    return user.email;
  };

  return [
    route({
      method: "get", path: "/invitations", tag, auth: true,
      summary: "The caller's pending invitations, including those sent to their email before they registered",
      responses: { 200: { description: "Pending invitations", schema: z.object({ items: z.array(myInvitationSchema) }) }, ...problemResponses(401) },
      handle: async ({ auth }) => {
        const { items } = await callAs(ctx, auth, "projects.myInvitations", { email: await emailOf(auth) });
        const inviters = new Map((await ctx.users.findByIds([...new Set(items.map((i) => i.invitedById))])).map((u) => [u.id, u.name]));
        return {
          status: 200,
          body: {
            items: items.map(({ invitedById, ...i }) => ({ ...i, invitedBy: { name: inviters.get(invitedById) ?? "" } })),
          },
        };
      },
    }),
    route({
      method: "post", path: "/invitations/:id/accept", tag, auth: true,
      summary: "Accept an invitation: the caller becomes a member, and the project and its tasks become visible",
      params: idParams,
      responses: { 200: { description: "The membership", schema: membershipSchema }, ...problemResponses(401, 404, 422) },
      handle: async ({ auth, params }) => {
        const membership = await callAs(ctx, auth, "projects.acceptInvitation", { id: params.id, email: await emailOf(auth) });
        callersChanged(ctx, auth.userId);
        return { status: 200, body: membership };
      },
    }),
    route({
      method: "post", path: "/invitations/:id/decline", tag, auth: true,
      summary: "Decline an invitation",
      params: idParams,
      responses: { 204: { description: "Declined" }, ...problemResponses(401, 404, 422) },
      handle: async ({ auth, params }) => {
        await callAs(ctx, auth, "projects.declineInvitation", { id: params.id, email: await emailOf(auth) });
        return { status: 204 };
      },
    }),
    route({
      method: "get", path: "/projects/:id/invitations", tag, auth: true,
      summary: "The project's pending invitations (owner only)",
      params: idParams,
      responses: {
        200: { description: "Pending invitations", schema: z.object({ items: z.array(projectInvitationSchema) }) },
        ...problemResponses(401, 403, 404, 422),
      },
      handle: async ({ auth, params }) => ({ status: 200, body: await callAs(ctx, auth, "projects.invitations", params) }),
    }),
    route({
      method: "delete", path: "/projects/:id/invitations/:invitationId", tag, auth: true,
      summary: "Revoke a pending invitation (owner only)",
      params: invitationIdParams,
      responses: { 204: { description: "Revoked" }, ...problemResponses(401, 403, 404, 422) },
      handle: async ({ auth, params }) => {
        await callAs(ctx, auth, "projects.revokeInvitation", { id: params.id, invitationId: params.invitationId });
        return { status: 204 };
      },
    }),
  ];
}

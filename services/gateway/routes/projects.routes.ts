import { z } from "zod";
import { broadcast } from "../../../libs/broker/bus";
import { addMemberInput, changeMemberInput, memberSchema, projectInput, projectSchema } from "../../../libs/contracts";
import { abilityFromMeta, asProject } from "../../../libs/authz";
import { ForbiddenError, NotFoundError } from "../../../libs/errors";
import { IDEMPOTENCY_HEADER, idempotencyKeyOf } from "../http/idempotency";
import { idParams, pageQuery, route, RouteDef } from "../http/route";
import { callAs, GatewayContext } from "./context";
import { problemResponses } from "./problems";

const tag = "projects";
const memberParams = z.strictObject({ id: z.uuid(), userId: z.uuid() });
const page = (item: z.ZodType) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });

export function projectRoutes(ctx: GatewayContext): RouteDef[] {
  /** Membership changed: this gateway re-reads the users' abilities now, the others within a second. */
  const membershipsChanged = (...userIds: string[]) => {
    userIds.forEach((id) => ctx.forgetUser(id));
    void broadcast(ctx.broker, "gateway.membershipsChanged", { userIds }, "gateway");
  };

  return [
    route({
      method: "post", path: "/projects", tag, auth: true,
      summary: "Create a project; the caller owns it",
      body: projectInput,
      headers: [IDEMPOTENCY_HEADER],
      responses: { 201: { description: "Created", schema: projectSchema }, ...problemResponses(401, 422) },
      handle: async ({ auth, body, header }) => {
        const project = await callAs(ctx, auth, "projects.create", { input: body, idempotencyKey: idempotencyKeyOf(header) });
        membershipsChanged(auth.userId);
        return { status: 201, body: project, headers: { Location: `/api/v1/projects/${project.id}` } };
      },
    }),
    route({
      method: "get", path: "/projects", tag, auth: true,
      summary: "The projects the caller belongs to",
      query: pageQuery,
      responses: { 200: { description: "A page", schema: page(projectSchema) }, ...problemResponses(401, 422) },
      handle: async ({ auth, query }) => ({ status: 200, body: await callAs(ctx, auth, "projects.list", query) }),
    }),
    route({
      method: "get", path: "/projects/:id", tag, auth: true,
      summary: "One project (404 for non-members)",
      params: idParams,
      responses: { 200: { description: "The project", schema: projectSchema }, ...problemResponses(401, 404, 422) },
      handle: async ({ auth, params }) => ({ status: 200, body: await callAs(ctx, auth, "projects.get", params) }),
    }),
    route({
      method: "patch", path: "/projects/:id", tag, auth: true,
      summary: "Rename a project (owner only)",
      params: idParams,
      body: projectInput,
      responses: { 200: { description: "The project", schema: projectSchema }, ...problemResponses(401, 403, 404, 422) },
      handle: async ({ auth, params, body }) => ({ status: 200, body: await callAs(ctx, auth, "projects.rename", { id: params.id, ...body }) }),
    }),
    route({
      method: "delete", path: "/projects/:id", tag, auth: true,
      summary: "Delete a project and its tasks; their reminders are cancelled (owner only)",
      params: idParams,
      responses: { 204: { description: "Deleted" }, ...problemResponses(401, 403, 404, 422) },
      handle: async ({ auth, params }) => {
        const members = await callAs(ctx, auth, "projects.members", params);
        await callAs(ctx, auth, "projects.remove", params);
        membershipsChanged(...members.items.map((m) => m.userId));
        return { status: 204 };
      },
    }),
    route({
      method: "get", path: "/projects/:id/members", tag, auth: true,
      summary: "The project's members",
      params: idParams,
      responses: { 200: { description: "Members", schema: z.object({ items: z.array(memberSchema) }) }, ...problemResponses(401, 404, 422) },
      handle: async ({ auth, params }) => {
        const { items } = await callAs(ctx, auth, "projects.members", params);
        const people = new Map((await ctx.users.findByIds(items.map((m) => m.userId))).map((u) => [u.id, u]));
        return {
          status: 200,
          body: { items: items.map((m) => ({ userId: m.userId, email: people.get(m.userId)?.email ?? "", name: people.get(m.userId)?.name ?? "", role: m.role })) },
        };
      },
    }),
    route({
      method: "post", path: "/projects/:id/members", tag, auth: true,
      summary: "Share the project with a user by email (owner only)",
      params: idParams,
      body: addMemberInput,
      headers: [IDEMPOTENCY_HEADER],
      responses: { 201: { description: "Added", schema: memberSchema }, ...problemResponses(401, 403, 404, 409, 422) },
      handle: async ({ auth, params, body, header }) => {
        // Membership is checked first, so a non-member learns nothing about which emails exist.
        await callAs(ctx, auth, "projects.get", params);
        if (!abilityFromMeta(auth).can("share", asProject(params.id))) throw new ForbiddenError("only the owner shares the project");
        const user = await ctx.users.findByEmail(body.email);
        if (!user || user.disabled) throw new NotFoundError("no user with this email");
        await callAs(ctx, auth, "projects.addMember", { id: params.id, userId: user.id, role: body.role, idempotencyKey: idempotencyKeyOf(header) });
        membershipsChanged(user.id);
        return { status: 201, body: { userId: user.id, email: user.email, name: user.name, role: body.role } };
      },
    }),
    route({
      method: "patch", path: "/projects/:id/members/:userId", tag, auth: true,
      summary: "Change a member's role (owner only)",
      params: memberParams,
      body: changeMemberInput,
      responses: { 200: { description: "Changed", schema: memberSchema }, ...problemResponses(401, 403, 404, 422) },
      handle: async ({ auth, params, body }) => {
        await callAs(ctx, auth, "projects.changeRole", { id: params.id, userId: params.userId, role: body.role });
        membershipsChanged(params.userId);
        const user = (await ctx.users.findByIds([params.userId]))[0];
        return { status: 200, body: { userId: params.userId, email: user?.email ?? "", name: user?.name ?? "", role: body.role } };
      },
    }),
    route({
      method: "delete", path: "/projects/:id/members/:userId", tag, auth: true,
      summary: "Remove a member (owner), or leave (yourself); they stop seeing the project's tasks at once",
      params: memberParams,
      responses: { 204: { description: "Removed" }, ...problemResponses(401, 403, 404, 422) },
      handle: async ({ auth, params }) => {
        await callAs(ctx, auth, "projects.removeMember", { id: params.id, userId: params.userId });
        membershipsChanged(params.userId);
        return { status: 204 };
      },
    }),
  ];
}

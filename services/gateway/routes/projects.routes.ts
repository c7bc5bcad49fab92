import { z } from "zod";
import { addMemberInput, changeMemberInput, invitedSchema, memberSchema, projectInput, projectSchema } from "../../../libs/contracts";
import { IDEMPOTENCY_HEADER, idempotencyKeyOf } from "../http/idempotency";
import { idParams, pageQuery, route, RouteDef } from "../http/route";
import { callAs, GatewayContext, callersChanged } from "./context";
import { problemResponse, problemResponses } from "./problems";

const tag = "projects";
const memberParams = z.strictObject({ id: z.uuid(), userId: z.uuid() });
const page = (item: z.ZodType) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });

export function projectRoutes(ctx: GatewayContext): RouteDef[] {
  return [
    route({
      method: "post", path: "/projects", tag, auth: true,
      summary: "Create a project; the caller owns it",
      body: projectInput,
      headers: [IDEMPOTENCY_HEADER],
      responses: { 201: { description: "Created", schema: projectSchema }, ...problemResponses(401, 422), ...problemResponse(429, "The caller owns PROJECTS_PER_USER projects") },
      handle: async ({ auth, body, header }) => {
        const project = await callAs(ctx, auth, "projects.create", { input: body, idempotencyKey: idempotencyKeyOf(header) });
        callersChanged(ctx, auth.userId);
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
        callersChanged(ctx, ...members.items.map((m) => m.userId));
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
      summary: "Invite someone by email to the project (owner only); they become a member when they accept",
      params: idParams,
      body: addMemberInput,
      headers: [IDEMPOTENCY_HEADER],
      responses: {
        202: {
          description:
            "Invited. The same answer whether or not an account holds the email, so nobody learns who has one. The person " +
            "becomes a member when they accept (POST /invitations/{id}/accept); an invitation to an email without an " +
            "account waits for it to register.",
          schema: invitedSchema,
        },
        ...problemResponses(401, 403, 404, 422),
        ...problemResponse(409, "Already a member, or already invited"),
        ...problemResponse(429, "The caller sent INVITATIONS_PER_HOUR invitations in the last hour, or the project has MEMBERS_PER_PROJECT members and pending invitations; see Retry-After"),
      },
      handle: async ({ auth, params, body, header }) => {
        const holder = await ctx.users.findByEmail(body.email);
        const userId = holder && !holder.disabled ? holder.id : undefined;
        const invited = await callAs(ctx, auth, "projects.invite", { id: params.id, email: body.email, role: body.role, userId, idempotencyKey: idempotencyKeyOf(header) });
        return { status: 202, body: invited };
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
        callersChanged(ctx, params.userId);
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
        callersChanged(ctx, params.userId);
        return { status: 204 };
      },
    }),
  ];
}

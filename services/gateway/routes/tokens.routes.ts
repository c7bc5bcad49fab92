import { z } from "zod";
import { instant } from "../../../libs/contracts/time";
import { MAX_TOKENS_PER_USER } from "../auth/personal-tokens";
import { PAT_SCOPES } from "../auth/token-scopes";
import { idParams, pageQuery, route, RouteDef } from "../http/route";
import type { GatewayContext } from "./context";
import { problemResponses } from "./problems";
import { adminPage, requireAdmin } from "./admin";

const tag = "tokens";
const scope = z.enum(PAT_SCOPES);
const createTokenInput = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    scopes: z.array(scope).min(1).max(PAT_SCOPES.length * 2),
    expiresAt: instant.optional().meta({ description: "when the token stops working (in the future); absent: never" }),
  })
  .meta({ id: "CreatePersonalToken" });
const tokenSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    scopes: z.array(scope),
    expiresAt: z.string().nullable(),
    lastUsedAt: z.string().nullable().meta({ description: "to the minute: recorded at most once a minute" }),
    createdAt: z.string(),
  })
  .meta({ id: "PersonalToken" });
const createdTokenSchema = tokenSchema.omit({ lastUsedAt: true }).extend({ token: z.string().meta({ description: "`tg_pat_...`: shown this once, only its hash is kept" }) }).meta({ id: "CreatedPersonalToken" });
const adminTokenSchema = tokenSchema.extend({ userId: z.uuid() }).meta({ id: "AdminPersonalToken" });

const SCOPES_DOC = [
  "A token is sent as `Authorization: Bearer tg_pat_...` and acts as its user, with the user's roles and memberships as they are",
  "at each request (a disabled user's tokens stop working), limited to its scopes: a route outside them answers 403.",
  "A `:write` scope includes the matching `:read`. `webhooks:write` covers reading webhooks too.",
  "Account routes (`/me`, `/me/tokens`, `/auth/*`) and admin routes are outside every scope: tokens cannot make tokens or act as admin.",
  "Revocation and expiry take effect on the next request in every gateway replica (a token is never cached).",
].join(" ");

export function tokenRoutes(ctx: GatewayContext): RouteDef[] {
  return [
    route({
      method: "post", path: "/me/tokens", tag, auth: true,
      summary: "Create a personal access token; the token is shown once",
      description: `${SCOPES_DOC} At most ${MAX_TOKENS_PER_USER} tokens per user (409 beyond). \`expiresAt\` in the past answers 422.`,
      body: createTokenInput,
      responses: { 201: { description: "The token, with its secret this once", schema: createdTokenSchema }, ...problemResponses(401, 403, 409, 422) },
      handle: async ({ auth, body }) => ({ status: 201, body: await ctx.personalTokens.create(auth.userId, body) }),
    }),
    route({
      method: "get", path: "/me/tokens", tag, auth: true,
      summary: "The caller's personal access tokens, newest first (never their secrets)",
      responses: { 200: { description: "Tokens", schema: z.object({ items: z.array(tokenSchema) }) }, ...problemResponses(401, 403) },
      handle: async ({ auth }) => ({ status: 200, body: { items: await ctx.personalTokens.list(auth.userId) } }),
    }),
    route({
      method: "delete", path: "/me/tokens/:id", tag, auth: true,
      summary: "Revoke one of the caller's tokens; it stops working at once (404 for another user's)",
      params: idParams,
      responses: { 204: { description: "Revoked" }, ...problemResponses(401, 403, 404, 422) },
      handle: async ({ auth, params }) => {
        await ctx.personalTokens.revoke(params.id, auth.userId);
        return { status: 204 };
      },
    }),
    route({
      method: "get", path: "/admin/tokens", tag: "admin", auth: true,
      summary: "Every user's personal access tokens, oldest first (admins only; never their secrets)",
      query: pageQuery,
      responses: {
        200: { description: "A page of tokens", schema: z.object({ items: z.array(adminTokenSchema), nextCursor: z.string().nullable() }) },
        ...problemResponses(401, 403, 422),
      },
      handle: async ({ auth, query }) => ({
        status: 200,
        body: await adminPage(ctx, auth, query, "admin-tokens", (limit, after) => ctx.personalTokens.listAll(limit, after)),
      }),
    }),
    route({
      method: "delete", path: "/admin/tokens/:id", tag: "admin", auth: true,
      summary: "Revoke any user's token (admins only); it stops working at once",
      params: idParams,
      responses: { 204: { description: "Revoked" }, ...problemResponses(401, 403, 404, 422) },
      handle: async ({ auth, params }) => {
        requireAdmin(auth);
        await ctx.personalTokens.revoke(params.id);
        return { status: 204 };
      },
    }),
  ];
}

import { z } from "zod";
import { abilityFromMeta } from "../../../libs/authz";
import {
  adminUpdateUserInput,
  adminUserSchema,
  authResultSchema,
  loginInput,
  refreshInput,
  registerInput,
  updateMeInput,
  userSchema,
} from "../../../libs/contracts";
import { ForbiddenError, UnauthorizedError, ValidationError } from "../../../libs/errors";
import { MIN_PASSWORD_LENGTH, MIN_PASSWORD_SCORE, passwordProblems } from "../auth/password-policy";
import { burnPasswordCheck, verifyPassword } from "../auth/passwords";
import { toUserDto, UserRow } from "../auth/user-store";
import { idParams, pageQuery, route, RouteDef } from "../http/route";
import { problemResponses } from "./problems";
import type { GatewayContext } from "./context";

const tag = "auth";
const pairSchema = z.object({ accessToken: z.string(), refreshToken: z.string(), expiresIn: z.int() }).meta({ id: "TokenPair" });

export function authRoutes(ctx: GatewayContext): RouteDef[] {
  const signedIn = async (row: UserRow, status: number) => ({
    status,
    body: { user: toUserDto(row), ...(await ctx.tokens.issue(row)) },
  });
  const requireAdmin = (auth: Parameters<typeof abilityFromMeta>[0]) => {
    if (!abilityFromMeta(auth).can("administer", "User")) throw new ForbiddenError("admins only");
  };

  return [
    route({
      method: "post", path: "/auth/register", tag, auth: false, rateLimit: "auth",
      summary: "Create an account and sign in",
      description: [
        `Passwords follow NIST SP 800-63B: at least ${MIN_PASSWORD_LENGTH} characters and not common or guessable, judged by zxcvbn`,
        `(common and English dictionaries, the email and name counting as guessable) at score ${MIN_PASSWORD_SCORE} of 4 or more;`,
        "no composition rules. A weaker one answers 422 with zxcvbn's reason at `body.password`.",
        "An existing email still answers 409. Registering is rate limited per client address (429 with Retry-After).",
      ].join(" "),
      body: registerInput,
      responses: { 201: { description: "Signed in", schema: authResultSchema }, ...problemResponses(409, 422, 429) },
      handle: async ({ body }) => {
        const weak = await passwordProblems(body.password, [body.email, body.name]);
        if (weak.length) throw new ValidationError("Invalid body: the password is too weak", weak);
        return signedIn(await ctx.users.create(body), 201);
      },
    }),
    route({
      method: "post", path: "/auth/login", tag, auth: false, rateLimit: "login",
      summary: "Sign in with email and password",
      body: loginInput,
      responses: { 200: { description: "Signed in", schema: authResultSchema }, ...problemResponses(401, 422, 429) },
      handle: async ({ body }) => {
        const row = await ctx.users.findByEmail(body.email);
        const ok = row ? await verifyPassword(body.password, row.password_hash) : await burnPasswordCheck(body.password);
        if (!row || !ok || row.disabled) throw new UnauthorizedError("wrong email or password");
        return signedIn(row, 200);
      },
    }),
    route({
      method: "post", path: "/auth/refresh", tag, auth: false, rateLimit: "auth",
      summary: "Trade a refresh token for a new pair; the old one is spent",
      description:
        "Reusing a spent refresh token answers 401 and revokes every token of the login, with one exception for two tabs refreshing at once: " +
        "for 30 s after a rotation, and while the new refresh token is still unused, the old one answers again with that same refresh token " +
        "(and a fresh access token).",
      body: refreshInput,
      responses: { 200: { description: "New pair", schema: pairSchema }, ...problemResponses(401, 422, 429) },
      handle: async ({ body }) => {
        const { userId, refreshToken } = await ctx.tokens.rotate(body.refreshToken);
        const row = await ctx.users.findById(userId);
        if (!row || row.disabled) throw new UnauthorizedError("account is disabled");
        return { status: 200, body: { ...ctx.tokens.signAccess(row), refreshToken } };
      },
    }),
    route({
      method: "post", path: "/auth/logout", tag, auth: false, rateLimit: "auth",
      summary: "Revoke a refresh token and every token rotated from the same login",
      body: refreshInput,
      responses: { 204: { description: "Signed out" }, ...problemResponses(422, 429) },
      handle: async ({ body }) => {
        await ctx.tokens.revokeFamilyOf(body.refreshToken);
        return { status: 204 };
      },
    }),
    route({
      method: "get", path: "/me", tag: "users", auth: true,
      summary: "The caller's profile",
      responses: { 200: { description: "Profile", schema: userSchema }, ...problemResponses(401) },
      handle: async ({ auth }) => {
        const row = await ctx.users.findById(auth.userId);
        if (!row) throw new UnauthorizedError("account no longer exists");
        return { status: 200, body: toUserDto(row) };
      },
    }),
    route({
      method: "patch", path: "/me", tag: "users", auth: true,
      summary: "Change the caller's profile (never their roles)",
      body: updateMeInput,
      responses: { 200: { description: "Profile", schema: userSchema }, ...problemResponses(401, 422) },
      handle: async ({ auth, body }) => {
        const row = await ctx.users.updateProfile(auth.userId, body);
        return { status: 200, body: toUserDto(row) };
      },
    }),
    route({
      method: "get", path: "/admin/users", tag: "admin", auth: true,
      summary: "List users (admins only)",
      query: pageQuery,
      responses: {
        200: { description: "A page of users", schema: z.object({ items: z.array(adminUserSchema), nextCursor: z.string().nullable() }) },
        ...problemResponses(401, 403, 422),
      },
      handle: async ({ auth, query }) => {
        requireAdmin(auth);
        const after = query.cursor ? ctx.cursors.decode(query.cursor, USER_CURSOR, auth.userId, 2) : undefined;
        const page = await ctx.users.list(query.limit, after && { createdAt: new Date(after[0] as number).toISOString(), id: String(after[1]) });
        const nextCursor = page.more && page.last ? ctx.cursors.encode(USER_CURSOR, auth.userId, [page.last.created_at.getTime(), page.last.id]) : null;
        return { status: 200, body: { items: page.items, nextCursor } };
      },
    }),
    route({
      method: "patch", path: "/admin/users/:id", tag: "admin", auth: true,
      summary: "Change a user's roles or disable them (admins only)",
      params: idParams,
      body: adminUpdateUserInput,
      responses: { 200: { description: "The user", schema: adminUserSchema }, ...problemResponses(401, 403, 404, 422) },
      handle: async ({ auth, params, body }) => {
        requireAdmin(auth);
        const user = await ctx.users.administer(auth.userId, params.id, body);
        ctx.forgetUser(params.id);
        return { status: 200, body: user };
      },
    }),
  ];
}

/** Signed like every list's cursor: only what this list issued comes back, so its values need no checks of their own. */
const USER_CURSOR = "admin-users";

import { z } from "zod";
import {
  adminUpdateUserInput,
  adminUserSchema,
  authResultSchema,
  confirmPhoneInput,
  phoneVerificationSentSchema,
  loginInput,
  refreshInput,
  registerInput,
  updateMeInput,
  userSchema,
} from "../../../libs/contracts";
import { UnauthorizedError, ValidationError } from "../../../libs/errors";
import { MIN_PASSWORD_LENGTH, MIN_PASSWORD_SCORE, passwordProblems } from "../auth/password-policy";
import { burnPasswordCheck, verifyPassword } from "../auth/passwords";
import { toUserDto, UserRow } from "../auth/user-store";
import { idParams, pageQuery, route, RouteDef } from "../http/route";
import { problemResponses } from "./problems";
import { adminPage, requireAdmin } from "./admin";
import { callersChanged, type GatewayContext } from "./context";

const tag = "auth";
const pairSchema = z.object({ accessToken: z.string(), refreshToken: z.string(), expiresIn: z.int() }).meta({ id: "TokenPair" });

export function authRoutes(ctx: GatewayContext): RouteDef[] {
  const signedIn = async (row: UserRow, status: number) => ({
    status,
    body: { user: toUserDto(row), ...(await ctx.tokens.issue(row)) },
  });

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
      // The OpenAPI document carries summaries and response descriptions only, so the rule lives there.
      summary: "Change the caller's profile (never their roles); a new phone is stored unverified",
      body: updateMeInput,
      responses: {
        200: {
          description:
            "Profile. A changed `phone` has `phoneVerified: false`: nothing is sent to it and no WhatsApp reply from it " +
            "acts until a code sent to it is confirmed (`POST /me/phone/verification`)",
          schema: userSchema,
        },
        ...problemResponses(401, 422),
      },
      handle: async ({ auth, body }) => {
        const row = await ctx.users.updateProfile(auth.userId, body);
        // The timezone travels with the caller's abilities (quick add reads "tomorrow" in it).
        if (body.timezone !== undefined) callersChanged(ctx, auth.userId);
        return { status: 200, body: toUserDto(row) };
      },
    }),
    route({
      method: "post", path: "/me/phone/verification", tag: "users", auth: true,
      summary: "Send a 6-digit code to the caller's unverified phone over WhatsApp (at most 5 an hour)",
      responses: {
        202: {
          description:
            "The code is on its way (a `WHATSAPP_VERIFICATION_TEMPLATE` message when set, text otherwise); valid 10 minutes; " +
            "it voids any earlier code. 422: no phone, or already verified; 409: another account verified this number; " +
            "429 with `Retry-After` after 5 sends in an hour",
          schema: phoneVerificationSentSchema,
        },
        ...problemResponses(401, 409, 422, 429),
      },
      handle: async ({ auth }) => {
        const sent = await ctx.phoneVerifications.send(auth.userId);
        return { status: 202, body: { phone: sent.phone, expiresAt: sent.expiresAt.toISOString() } };
      },
    }),
    route({
      method: "post", path: "/me/phone/verification/confirm", tag: "users", auth: true,
      summary: "Confirm the code sent to the caller's phone; the number becomes verified",
      body: confirmPhoneInput,
      responses: {
        200: {
          description:
            "Profile, with `phoneVerified: true`. 422: wrong, expired or no pending code (5 wrong tries void it); " +
            "409: another account verified this number first (a verified number belongs to one account at a time)",
          schema: userSchema,
        },
        ...problemResponses(401, 409, 422),
      },
      handle: async ({ auth, body }) => {
        const row = await ctx.phoneVerifications.confirm(auth.userId, body.code);
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
      handle: async ({ auth, query }) => ({ status: 200, body: await adminPage(ctx, auth, query, "admin-users", (limit, after) => ctx.users.list(limit, after)) }),
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
        callersChanged(ctx, params.id);
        return { status: 200, body: user };
      },
    }),
  ];
}

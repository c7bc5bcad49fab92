import { createSecretKey } from "node:crypto";
import type { RequestHandler } from "express";
import passport from "passport";
import { ExtractJwt, Strategy as JwtStrategy } from "passport-jwt";
import { authMetaFor, Membership } from "../../../libs/authz";
import type { Clock } from "../../../libs/clock";
import { isAccessClaims, JWT_ALGORITHM, JWT_AUDIENCE, JWT_ISSUER, type AuthMeta } from "../../../libs/contracts";
import { UnauthorizedError } from "../../../libs/errors";
import type { UserRow, UserStore } from "../auth/user-store";

/** How long a looked-up caller is trusted: a disabled user, a role or a membership change takes effect within it. */
const USER_CACHE_MS = 1_000;

export interface Authenticator {
  middleware: RequestHandler;
  forget(userId: string): void;
}

/**
 * passport-jwt with the algorithm, issuer and audience pinned. The token proves who the
 * caller is; their roles and whether they are still enabled come from the database.
 */
export function createAuthenticator(
  users: UserStore,
  clock: Clock,
  secret: string,
  membershipsOf: (userId: string) => Promise<Membership[]>,
): Authenticator {
  const cache = new Map<string, { auth: AuthMeta | false; until: number }>();
  /** The caller's packed abilities: their account as it is now, and their project memberships. */
  const lookup = async (id: string): Promise<AuthMeta | false> => {
    const hit = cache.get(id);
    const t = clock.now().getTime();
    if (hit && hit.until > t) return hit.auth;
    const row: UserRow | undefined = await users.findById(id);
    const auth = row && !row.disabled ? authMetaFor({ id: row.id, roles: row.roles, timezone: row.timezone }, await membershipsOf(row.id)) : false;
    if (cache.size > 10_000) cache.clear();
    cache.set(id, { auth, until: t + USER_CACHE_MS });
    return auth;
  };

  const strategy = new JwtStrategy(
    {
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      // A KeyObject once, not per request: given a string, jsonwebtoken first tries to parse it
      // as a PEM public key and only then makes a secret key of it, on every verify.
      secretOrKey: createSecretKey(Buffer.from(secret)) as unknown as string,
      algorithms: [JWT_ALGORITHM],
      issuer: JWT_ISSUER,
      audience: JWT_AUDIENCE,
    },
    (payload: { sub?: unknown; exp?: unknown }, done: (err: unknown, user?: AuthMeta | false) => void) => {
      if (!isAccessClaims(payload)) return done(null, false);
      lookup(payload.sub).then(
        (auth) => done(null, auth),
        (err) => done(err),
      );
    },
  );
  const authenticator = new passport.Passport();
  authenticator.use("jwt", strategy);

  const middleware: RequestHandler = (req, res, next) => {
    authenticator.authenticate("jwt", { session: false }, (err: unknown, user: AuthMeta | false) => {
      if (err) return next(err);
      if (!user) return next(new UnauthorizedError("missing, invalid or expired access token"));
      res.locals.auth = user;
      next();
    })(req, res, next);
  };
  return { middleware, forget: (id) => cache.delete(id) };
}

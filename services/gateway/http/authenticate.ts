import { createSecretKey } from "node:crypto";
import type { RequestHandler } from "express";
import passport from "passport";
import { ExtractJwt, Strategy as JwtStrategy } from "passport-jwt";
import { packAbility } from "../../../libs/authz";
import type { AuthMeta } from "../../../libs/contracts";
import { UnauthorizedError } from "../../../libs/errors";
import type { UserRow, UserStore } from "../auth/user-store";
import { JWT_ALGORITHM, JWT_AUDIENCE, JWT_ISSUER } from "../auth/token-service";

/** How long a looked-up user is trusted: a disabled user or a role change takes effect within it. */
const USER_CACHE_MS = 1_000;

export interface Authenticator {
  middleware: RequestHandler;
  forget(userId: string): void;
}

/**
 * passport-jwt with the algorithm, issuer and audience pinned. The token proves who the
 * caller is; their roles and whether they are still enabled come from the database.
 */
export function createAuthenticator(users: UserStore, secret: string): Authenticator {
  const cache = new Map<string, { row: UserRow | undefined; until: number }>();
  const lookup = async (id: string) => {
    const hit = cache.get(id);
    const t = Date.now();
    if (hit && hit.until > t) return hit.row;
    const row = await users.findById(id);
    if (cache.size > 10_000) cache.clear();
    cache.set(id, { row, until: t + USER_CACHE_MS });
    return row;
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
    (payload: { sub?: string }, done: (err: unknown, user?: AuthMeta | false) => void) => {
      if (!payload.sub) return done(null, false);
      lookup(payload.sub).then(
        (row) => done(null, row && !row.disabled ? packAbility({ id: row.id, roles: row.roles }) : false),
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

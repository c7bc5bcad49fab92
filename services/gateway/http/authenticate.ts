import { createSecretKey } from "node:crypto";
import type { Request, RequestHandler } from "express";
import passport from "passport";
import { ExtractJwt, Strategy as JwtStrategy } from "passport-jwt";
import { authMetaFor, Membership } from "../../../libs/authz";
import type { Clock } from "../../../libs/clock";
import { isAccessClaims, JWT_ALGORITHM, JWT_AUDIENCE, JWT_ISSUER, type AuthMeta } from "../../../libs/contracts";
import { UnauthorizedError } from "../../../libs/errors";
import { isTransportError } from "../../../libs/errors/problem";
import type { UserRow, UserStore } from "../auth/user-store";
import { isPersonalToken, personalTokenMiddleware, type PersonalTokens } from "../auth/personal-tokens";

/**
 * How long a looked-up caller (account and abilities) is reused without reading their account.
 * Every change of an account (roles, disabled, timezone, erased) is announced to every gateway
 * (`gateway.callersChanged`), which drops its copy at once, and a gateway whose bus connection came
 * back drops every copy: this bound only matters for an announcement lost otherwise. Reading the
 * account every second cost a Postgres query per request of any user seen less often (most
 * users, most of the time; bench/RESULTS.md).
 */
export const CALLER_CACHE_MS = 60_000;
/**
 * How long a caller's last known memberships stand in while the tasks service cannot answer
 * for them (a restart, a crash until the registry drops it): their streams, inbox and tickets
 * keep working meanwhile. A change of membership is announced by tasks itself, which drops
 * the copy (`forget`), so the copy is only ever as old as tasks's absence.
 */
export const STALE_MEMBERSHIPS_MS = 10 * 60_000;
/** Callers kept (looked up, and last known memberships); beyond it the longest-kept go first. */
const CALLERS_KEPT_MAX = 10_000;

/** Sets `key` anew (last in the map's order), first dropping the longest-kept entry when the map is full. */
function keep<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  if (map.size >= CALLERS_KEPT_MAX) map.delete(map.keys().next().value!);
  map.set(key, value);
}

/** The memberships call went unanswered, as opposed to being answered with an error. */
const unanswered = (err: unknown) => isTransportError(err) || (err as { retryable?: unknown } | null)?.retryable === true;

/** Verified tokens remembered; past it the memory starts again (each costs one full verify to relearn). */
const VERIFIED_TOKENS_MAX = 10_000;
const extractBearer = ExtractJwt.fromAuthHeaderAsBearerToken();
const bearerToken = (req: Request): string | undefined => extractBearer(req) ?? undefined;

export interface Authenticator {
  middleware: RequestHandler;
  forget(userId: string): void;
  /** Every caller is looked up again (their last known memberships stay a stand-in while tasks is away). */
  forgetEveryone(): void;
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
  personalTokens?: PersonalTokens,
): Authenticator {
  const cache = new Map<string, { auth: AuthMeta | false; until: number }>();
  // One lookup at a time per caller: when an entry expires under load, the requests that
  // arrive meanwhile share it instead of each querying users and calling tasks (a burst of
  // 100 lookups a second per busy user was the gateway's worst latency tail).
  const inFlight = new Map<string, Promise<AuthMeta | false>>();
  const lastKnown = new Map<string, { memberships: Membership[]; until: number }>();
  const memberships = async (id: string, t: number): Promise<Membership[]> => {
    try {
      const current = await membershipsOf(id);
      keep(lastKnown, id, { memberships: current, until: t + STALE_MEMBERSHIPS_MS });
      return current;
    } catch (err) {
      const known = lastKnown.get(id);
      if (known && known.until > t && unanswered(err)) return known.memberships;
      throw err;
    }
  };
  /** The caller's packed abilities: their account as it is now, and their project memberships. */
  const lookup = (id: string): Promise<AuthMeta | false> => {
    const hit = cache.get(id);
    const t = clock.now().getTime();
    if (hit && hit.until > t) return Promise.resolve(hit.auth);
    const running = inFlight.get(id);
    if (running) return running;
    const pending: Promise<AuthMeta | false> = fresh(id, t).then(
      (auth) => {
        // A lookup `forget` overtook may have read the old state: it answers its own requests, no later ones.
        if (inFlight.get(id) !== pending) return auth;
        inFlight.delete(id);
        // Within a minute more callers than the bound may come: the oldest go, not everyone at once.
        keep(cache, id, { auth, until: t + CALLER_CACHE_MS });
        return auth;
      },
      (err) => {
        if (inFlight.get(id) === pending) inFlight.delete(id);
        throw err;
      },
    );
    inFlight.set(id, pending);
    return pending;
  };
  const fresh = async (id: string, t: number): Promise<AuthMeta | false> => {
    // The account always comes from our own database: a disabled user is refused even while tasks is away.
    const row: UserRow | undefined = await users.findById(id);
    return row && !row.disabled ? authMetaFor({ id: row.id, roles: row.roles, timezone: row.timezone }, await memberships(row.id, t)) : false;
  };

  const strategy = new JwtStrategy(
    {
      jwtFromRequest: extractBearer,
      // A KeyObject once, not per request: given a string, jsonwebtoken first tries to parse it
      // as a PEM public key and only then makes a secret key of it, on every verify.
      secretOrKey: createSecretKey(Buffer.from(secret)) as unknown as string,
      algorithms: [JWT_ALGORITHM],
      issuer: JWT_ISSUER,
      audience: JWT_AUDIENCE,
      passReqToCallback: true,
    },
    (req: Request, payload: { sub?: unknown; exp?: unknown }, done: (err: unknown, user?: AuthMeta | false) => void) => {
      if (!isAccessClaims(payload)) return done(null, false);
      const token = bearerToken(req);
      if (token) {
        if (verifiedTokens.size >= VERIFIED_TOKENS_MAX) verifiedTokens.clear();
        verifiedTokens.set(token, { sub: payload.sub, expMs: payload.exp * 1000 });
      }
      lookup(payload.sub).then(
        (auth) => done(null, auth),
        (err) => done(err),
      );
    },
  );
  const authenticator = new passport.Passport();
  authenticator.use("jwt", strategy);

  // A token verified once (signature, algorithm, issuer, audience, claims) is the same bytes on
  // the caller's next request: until it expires, only the user lookup (CALLER_CACHE_MS) is redone.
  const verifiedTokens = new Map<string, { sub: string; expMs: number }>();
  const personal = personalTokens && personalTokenMiddleware(personalTokens, lookup);
  const middleware: RequestHandler = (req, res, next) => {
    if (personal && isPersonalToken(req)) return personal(req, res, next);
    const token = bearerToken(req);
    const known = token === undefined ? undefined : verifiedTokens.get(token);
    if (known && known.expMs > Date.now()) {
      lookup(known.sub).then((auth) => {
        if (!auth) return next(new UnauthorizedError("missing, invalid or expired access token"));
        res.locals.auth = auth;
        next();
      }, next);
      return;
    }
    authenticator.authenticate("jwt", { session: false }, (err: unknown, user: AuthMeta | false) => {
      if (err) return next(err);
      if (!user) return next(new UnauthorizedError("missing, invalid or expired access token"));
      res.locals.auth = user;
      next();
    })(req, res, next);
  };
  return {
    middleware,
    forget: (id) => {
      cache.delete(id);
      inFlight.delete(id);
      lastKnown.delete(id);
    },
    forgetEveryone: () => {
      cache.clear();
      inFlight.clear();
    },
  };
}

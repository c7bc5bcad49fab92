import type { RequestHandler } from "express";
import { ipKeyGenerator, rateLimit } from "express-rate-limit";
import type { Db } from "../../../libs/db";
import { RateLimitedError } from "../../../libs/errors";
import { PgRateLimitStore } from "./rate-limit-store";

function limiter(limit: number, key: (req: Parameters<RequestHandler>[0]) => string, db: Db | undefined, prefix: string): RequestHandler {
  return rateLimit({
    ...(db ? { store: new PgRateLimitStore(db, prefix) } : {}),
    windowMs: 60_000,
    limit,
    standardHeaders: "draft-8",
    legacyHeaders: false,
    keyGenerator: key,
    handler: (req, _res, next) => {
      const reset = (req as { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime;
      next(new RateLimitedError(reset ? Math.max(1, Math.ceil((reset.getTime() - Date.now()) / 1000)) : 60));
    },
  });
}

const ip = (req: Parameters<RequestHandler>[0]) => ipKeyGenerator(req.ip ?? "unknown");

/**
 * Auth routes per client address, and login additionally per address and account, so
 * guessing one account's password is slow without locking its owner out everywhere.
 * With a database the counters are shared by every gateway replica (auth.rate_limits); without
 * one (unit tests of the app) they live in the replica's memory.
 */
export function authRateLimits(perMinute: number, loginPerMinute: number, db?: Db): Record<"auth" | "login", RequestHandler[]> {
  const auth = limiter(perMinute, (req) => `auth:${ip(req)}`, db, "rl:");
  const login = limiter(
    loginPerMinute,
    (req) => {
      const email = typeof req.body?.email === "string" ? req.body.email.toLowerCase() : "";
      return `login:${ip(req)}:${email}`;
    },
    db,
    "rl:",
  );
  return { auth: [auth], login: [auth, login] };
}

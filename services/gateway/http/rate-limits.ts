import type { RequestHandler } from "express";
import { ipKeyGenerator, rateLimit } from "express-rate-limit";
import { RateLimitedError } from "../../../libs/errors";

function limiter(limit: number, key: (req: Parameters<RequestHandler>[0]) => string): RequestHandler {
  return rateLimit({
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
 * Counters live in each gateway replica's memory.
 */
export function authRateLimits(perMinute: number, loginPerMinute: number): Record<"auth" | "login", RequestHandler[]> {
  const auth = limiter(perMinute, (req) => `auth:${ip(req)}`);
  const login = limiter(loginPerMinute, (req) => {
    const email = typeof req.body?.email === "string" ? req.body.email.toLowerCase() : "";
    return `login:${ip(req)}:${email}`;
  });
  return { auth: [auth], login: [auth, login] };
}

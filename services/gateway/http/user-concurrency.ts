import { AsyncResource } from "node:async_hooks";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { AuthMeta } from "../../../libs/contracts";
import { RateLimitedError } from "../../../libs/errors";

export interface UserConcurrencyLimits {
  /** Requests of one account this gateway works on at once. */
  inFlight: number;
  /** Requests of one account waiting for a turn; one more is refused with 429. */
  queued: number;
}

interface Account {
  running: number;
  waiting: (() => void)[];
}

/**
 * One account's requests take turns: at most `inFlight` of them are in the services at once, the
 * rest wait here in arrival order. The services serve whatever reaches them first, so without
 * this one account's flood filled every queue behind it: a heavy user's 100 concurrent facet
 * searches took another user's search from about 10 ms to 600 ms at the median
 * (bench/RESULTS.md, issue 14). Waiting here, the flood holds `inFlight` places and everyone
 * else passes it. A request whose client leaves while it waits is never started. Per gateway
 * replica, in memory: an account gets `inFlight` places on each.
 */
export function userConcurrency(limits: UserConcurrencyLimits): RequestHandler & { of(userId: string): { running: number; waiting: number } | undefined } {
  const accounts = new Map<string, Account>();

  const handler = (_req: Request, res: Response, next: NextFunction): void => {
    const userId = (res.locals.auth as AuthMeta | undefined)?.userId;
    if (!userId) return next();
    let account = accounts.get(userId);
    if (!account) accounts.set(userId, (account = { running: 0, waiting: [] }));
    const own = account;
    let admitted = false;
    const start = () => {
      admitted = true;
      own.running++;
      next();
    };
    // A waiting request's turn comes in another one's "close": it goes on in its own async
    // context (embedded mode orders database work by each request's arrival: libs/db).
    let turn: (() => void) | undefined;
    const forgetIfIdle = () => {
      if (own.running === 0 && own.waiting.length === 0) accounts.delete(userId);
    };
    if (own.running < limits.inFlight) start();
    else if (own.waiting.length < limits.queued) own.waiting.push((turn = AsyncResource.bind(start)));
    else {
      forgetIfIdle();
      return next(new RateLimitedError(1));
    }
    // "close" follows the response's end, or the client's leaving before it.
    res.once("close", () => {
      if (admitted) {
        own.running--;
        own.waiting.shift()?.();
      } else {
        const at = turn ? own.waiting.indexOf(turn) : -1;
        if (at >= 0) own.waiting.splice(at, 1);
      }
      forgetIfIdle();
    });
  };
  /** An account's requests now, if it has any. */
  const of = (userId: string) => {
    const account = accounts.get(userId);
    return account && { running: account.running, waiting: account.waiting.length };
  };
  return Object.assign(handler, { of });
}

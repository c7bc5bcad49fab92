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

/** A request waiting for its turn: `admit` takes over a place at once, `go` lets it on afterwards. */
interface Waiter {
  admit(): void;
  go(): void;
}

interface Account {
  running: number;
  waiting: Waiter[];
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
    if (own.running >= limits.inFlight && own.waiting.length >= limits.queued) return next(new RateLimitedError(1));
    let admitted = false;
    let left = false;
    let waiter: Waiter | undefined;
    // A request is done with the services once its answer is written ("prefinish", inside
    // `res.end`), not when a slow client has read it all ("close"), which alone says that the
    // client left first. A place passes to the next waiter at once; it starts after the writer's code.
    const leave = () => {
      if (left) return;
      left = true;
      if (admitted) {
        const following = own.waiting.shift();
        if (following) {
          following.admit();
          queueMicrotask(following.go);
        } else own.running--;
      } else own.waiting.splice(own.waiting.indexOf(waiter!), 1);
      if (own.running === 0 && own.waiting.length === 0) accounts.delete(userId);
    };
    res.once("prefinish", leave);
    res.once("close", leave);
    if (own.running < limits.inFlight) {
      own.running++;
      admitted = true;
      return next();
    }
    waiter = {
      admit: () => (admitted = true),
      // Its turn comes in another request's event: it goes on in its own async context, not that
      // one's (what the request stored there, such as libs/db's arrival time, is its own), unless its client left.
      go: AsyncResource.bind(() => {
        if (!left) next();
      }),
    };
    own.waiting.push(waiter);
  };
  /** An account's requests now, if it has any. */
  const of = (userId: string) => {
    const account = accounts.get(userId);
    return account && { running: account.running, waiting: account.waiting.length };
  };
  return Object.assign(handler, { of });
}

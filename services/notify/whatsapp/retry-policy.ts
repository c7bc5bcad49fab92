/**
 * When to try a failed send again: exponential backoff with full jitter (AWS
 * Architecture Blog, "Exponential Backoff And Jitter"), so a burst of failures (Meta
 * throttling every replica at once) spreads out instead of coming back in lockstep.
 */
export interface RetryPolicy {
  /** The first retry's ceiling, ms. */
  baseMs: number;
  /** No backoff ceiling grows past this, ms. */
  capMs: number;
  /** Attempts in all, the first send included; after the last, the delivery fails. */
  maxAttempts: number;
}

/**
 * Ceilings 1 s, 2 s, 4 s … 64 s for the 7 retries of 8 attempts: at most about 2 min of
 * waiting in all (a minute on average), unless Retry-After asks for more; a reminder much
 * later than that has lost its point. The 5 min cap bounds longer policies.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { baseMs: 1000, capMs: 5 * 60_000, maxAttempts: 8 };

/**
 * The wait before the next attempt, ms, after `attempt` attempts failed (1 after the
 * first): uniform in [0, min(cap, base × 2^(attempt-1))). A `retryAfterMs` from the
 * provider is a floor: the wait is never shorter than what it asked for, even above the
 * cap (it knows when it will take us back).
 */
export function nextDelay(
  attempt: number,
  retryAfterMs?: number,
  random: () => number = Math.random,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
): number {
  const exponent = Math.min(Math.max(attempt, 1) - 1, 52);
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** exponent);
  const jittered = Math.floor(random() * ceiling);
  return Math.max(jittered, retryAfterMs ?? 0);
}

/** Whether another attempt is allowed after `attempts` attempts. */
export function canRetry(attempts: number, policy: RetryPolicy = DEFAULT_RETRY_POLICY): boolean {
  return attempts < policy.maxAttempts;
}

/**
 * The retry schedule, as multiples of the base wait (WEBHOOK_RETRY_BASE_MS, 5 s by default):
 * 5 s, 30 s, 2 min, 10 min, 1 h, 3 h, 6 h, 12 h, 12 h, ... Each wait gets ±20 % jitter, so
 * a target that came back is not hit by every retry at once. Nothing is tried past the horizon
 * (WEBHOOK_RETRY_HORIZON_MS, 24 h) after the first attempt: the last retry falls on that mark.
 */
export const RETRY_STEPS = [1, 6, 24, 120, 720, 2160, 4320, 8640] as const;
const JITTER = 0.2;

export interface RetryPolicy {
  baseMs: number;
  horizonMs: number;
}

/**
 * When to try again after the `attempt`-th attempt of this round failed at `now` (the round
 * started at `startedAt`), or null when the horizon is reached: the delivery fails for good.
 */
export function nextAttemptAt(policy: RetryPolicy, attempt: number, startedAt: Date, now: Date, random: () => number = Math.random): Date | null {
  const deadline = startedAt.getTime() + policy.horizonMs;
  if (now.getTime() >= deadline) return null;
  const step = RETRY_STEPS[Math.min(Math.max(attempt, 1), RETRY_STEPS.length) - 1]!;
  const wait = policy.baseMs * step * (1 + JITTER * (2 * random() - 1));
  return new Date(Math.min(now.getTime() + Math.max(1, Math.round(wait)), deadline));
}

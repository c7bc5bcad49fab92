import { nextAttemptAt } from "./backoff";

const policy = { baseMs: 5_000, horizonMs: 24 * 3600_000 };
const start = new Date("2026-01-01T00:00:00Z");

test("waits grow 5 s, 30 s, 2 min, 10 min, 1 h, 3 h, 6 h, 12 h (no jitter at random 0.5), the last attempt on the 24 h mark", () => {
  let now = start;
  const waits: number[] = [];
  for (let attempt = 1; ; attempt++) {
    const next = nextAttemptAt(policy, attempt, start, now, () => 0.5);
    if (!next) break;
    waits.push((next.getTime() - now.getTime()) / 1000);
    now = next;
  }
  expect(waits.slice(0, 8)).toEqual([5, 30, 120, 600, 3600, 10800, 21600, 43200]);
  expect(now.getTime() - start.getTime()).toBe(policy.horizonMs);
  expect(waits).toHaveLength(9);
});

test("jitter stays within ±20 % and never passes the horizon", () => {
  const low = nextAttemptAt(policy, 2, start, start, () => 0)!;
  const high = nextAttemptAt(policy, 2, start, start, () => 0.999999)!;
  expect(low.getTime() - start.getTime()).toBe(24_000);
  expect(high.getTime() - start.getTime()).toBeLessThanOrEqual(36_000);
  expect(high.getTime() - start.getTime()).toBeGreaterThan(35_000);
  const late = new Date(start.getTime() + policy.horizonMs - 1000);
  expect(nextAttemptAt(policy, 8, start, late)).toEqual(new Date(start.getTime() + policy.horizonMs));
  expect(nextAttemptAt(policy, 9, start, new Date(start.getTime() + policy.horizonMs))).toBeNull();
});

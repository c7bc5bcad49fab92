import { canRetry, DEFAULT_RETRY_POLICY, nextDelay } from "./retry-policy";

const almostOne = () => 0.999999;

describe("nextDelay", () => {
  it("full jitter: uniform below a ceiling that doubles from 1 s", () => {
    expect([1, 2, 3, 4].map((attempt) => nextDelay(attempt, undefined, almostOne))).toEqual([999, 1999, 3999, 7999]);
    expect(nextDelay(3, undefined, () => 0.5)).toBe(2000);
    expect(nextDelay(3, undefined, () => 0)).toBe(0);
  });

  it("the ceiling stops at the cap (5 min), however many attempts", () => {
    expect(nextDelay(9, undefined, almostOne)).toBe(256_000 - 1);
    expect(nextDelay(10, undefined, almostOne)).toBe(300_000 - 1);
    expect(nextDelay(1000, undefined, almostOne)).toBe(300_000 - 1);
  });

  it("Retry-After is a floor, above the cap too", () => {
    expect(nextDelay(1, 7000, almostOne)).toBe(7000);
    expect(nextDelay(5, 7000, almostOne)).toBe(15_999);
    expect(nextDelay(1, 600_000, almostOne)).toBe(600_000);
    expect(nextDelay(2, 0, () => 0.5)).toBe(1000);
  });

  it("another policy", () => {
    const policy = { baseMs: 100, capMs: 1000, maxAttempts: 3 };
    expect([1, 2, 3, 4, 5].map((a) => nextDelay(a, undefined, () => 0.5, policy))).toEqual([50, 100, 200, 400, 500]);
  });
});

describe("canRetry", () => {
  it("allows 8 attempts in all by default", () => {
    expect(DEFAULT_RETRY_POLICY.maxAttempts).toBe(8);
    expect(canRetry(7)).toBe(true);
    expect(canRetry(8)).toBe(false);
  });
});

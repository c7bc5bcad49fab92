import { ManualClock } from "../../../libs/clock";
import { RateLimiter } from "./rate-limiter";

const SENDER = "1234567890";

/** A sleep that moves the fake clock instead of waiting. */
function fakeTime() {
  const clock = new ManualClock(new Date("2026-03-01T10:00:00Z"));
  const slept: number[] = [];
  const sleep = async (ms: number) => {
    slept.push(ms);
    clock.advance(ms);
  };
  return { clock, slept, sleep };
}

/** The most sends that fall in any half-open window [t, t + 1 s). */
function busiestSecond(sendTimes: number[]): number {
  const sorted = [...sendTimes].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (sorted[j]! < sorted[i]! - 999) j++;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

describe("RateLimiter", () => {
  it("200 sends at once at 80/s: slot i waits i × 12.5 ms, never more than 80 in a second", () => {
    const { clock } = fakeTime();
    const limiter = new RateLimiter({ ratePerSecond: 80, clock });
    const delays = Array.from({ length: 200 }, () => limiter.reserve(SENDER));

    expect(delays).toEqual(Array.from({ length: 200 }, (_, i) => Math.ceil(i * 12.5)));
    expect(delays.at(-1)).toBe(2488);
    expect(busiestSecond(delays)).toBe(80);
  });

  it("sequential acquire() waits through the injected sleep: 200 sends take 199 × 12.5 ms", async () => {
    const { clock, slept, sleep } = fakeTime();
    const limiter = new RateLimiter({ ratePerSecond: 80, clock, sleep });
    const start = clock.now().getTime();
    const sentAt: number[] = [];
    for (let i = 0; i < 200; i++) {
      await limiter.acquire(SENDER);
      sentAt.push(clock.now().getTime() - start);
    }
    expect(slept).toHaveLength(199);
    expect(slept.every((ms) => ms === 12 || ms === 13)).toBe(true);
    expect(sentAt.at(-1)).toBeGreaterThanOrEqual(2487);
    expect(sentAt.at(-1)).toBeLessThanOrEqual(2488 + 1);
    expect(busiestSecond(sentAt)).toBeLessThanOrEqual(80);
  });

  it("time that passed refills the bucket, up to its size", () => {
    const { clock } = fakeTime();
    const limiter = new RateLimiter({ ratePerSecond: 80, clock });
    expect(limiter.reserve(SENDER)).toBe(0);
    expect(limiter.reserve(SENDER)).toBe(13);
    clock.advance(60_000); // a long idle spell banks no more than one send
    expect(limiter.reserve(SENDER)).toBe(0);
    expect(limiter.reserve(SENDER)).toBe(13);
  });

  it("slots already promised stay promised as time passes", () => {
    const { clock } = fakeTime();
    const limiter = new RateLimiter({ ratePerSecond: 80, clock });
    for (let i = 0; i < 200; i++) limiter.reserve(SENDER); // the last slot is at 2487.5 ms
    clock.advance(1000);
    expect(limiter.reserve(SENDER)).toBe(1500); // slot 200: 2500 ms after the start
  });

  it("a burst lets that many go at once, then the rate", () => {
    const { clock } = fakeTime();
    const limiter = new RateLimiter({ ratePerSecond: 80, burst: 80, clock });
    const delays = Array.from({ length: 200 }, () => limiter.reserve(SENDER));
    expect(delays.slice(0, 80).every((d) => d === 0)).toBe(true);
    expect(delays[80]).toBe(13);
    expect(delays[199]).toBe(1500);
  });

  it("each sender number has its own bucket; another rate is honoured", () => {
    const { clock } = fakeTime();
    const limiter = new RateLimiter({ ratePerSecond: 20, clock });
    expect([limiter.reserve("A"), limiter.reserve("A"), limiter.reserve("A")]).toEqual([0, 50, 100]);
    expect([limiter.reserve("B"), limiter.reserve("B")]).toEqual([0, 50]);
  });

  it("refuses a rate or burst that cannot work", () => {
    expect(() => new RateLimiter({ ratePerSecond: 0 })).toThrow(RangeError);
    expect(() => new RateLimiter({ ratePerSecond: 80, burst: 0 })).toThrow(RangeError);
  });
});

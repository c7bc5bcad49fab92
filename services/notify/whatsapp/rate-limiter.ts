import { type Clock, systemClock } from "../../../libs/clock";

/**
 * Outbound send rate per sender number (Meta's Cloud API throughput: 80 messages/s per
 * business phone number by default), as a token bucket.
 *
 * PER PROCESS. The buckets live in memory: N notify replicas sending from one number
 * reach N × the rate. Set WHATSAPP_RATE_PER_SECOND to each replica's share (80 / N; with
 * an autoscaler, divide by its maximum). Meta answers an excess with 429 / code 130429,
 * which the retry policy absorbs, so a short overshoot delays messages but loses none.
 * A shared limit (a Postgres or NATS KV counter) is the step after that, if ever needed.
 */
export interface RateLimiterOptions {
  /** Sustained sends per second per key. */
  ratePerSecond: number;
  /**
   * Bucket size: sends that may go back to back after an idle spell. Default 1: sends are
   * spaced evenly (12.5 ms at 80/s), so no one-second window ever holds more than
   * ratePerSecond. A burst of B lets B + ratePerSecond through in the first second.
   */
  burst?: number;
  clock?: Clock;
  /** How acquire() waits; tests pass one that moves a fake clock. */
  sleep?: (ms: number) => Promise<void>;
}

interface Bucket {
  /** May go negative: sends already promised a later slot. */
  tokens: number;
  at: number;
}

const realSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly rate: number;
  private readonly burst: number;
  private readonly clock: Clock;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(options: RateLimiterOptions) {
    if (!(options.ratePerSecond > 0)) throw new RangeError("ratePerSecond must be positive");
    this.burst = options.burst ?? 1;
    if (!(this.burst >= 1)) throw new RangeError("burst must be at least 1");
    this.rate = options.ratePerSecond;
    this.clock = options.clock ?? systemClock;
    this.sleep = options.sleep ?? realSleep;
  }

  /**
   * Takes the next slot for `key` and says how long to wait for it, in whole ms (0: send
   * now). The slot is taken whether or not the caller waits: concurrent callers get
   * successive slots.
   */
  reserve(key: string): number {
    const now = this.clock.now().getTime();
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    const refill = (Math.max(0, now - bucket.at) * this.rate) / 1000;
    bucket.tokens = Math.min(this.burst, bucket.tokens + refill) - 1;
    bucket.at = Math.max(bucket.at, now);
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 0) return 0;
    // rounded up, less a hair of floating-point noise (8 slots at 80/s are 100 ms, not 101)
    return Math.ceil((-bucket.tokens * 1000) / this.rate - 1e-6);
  }

  /** Resolves when a send for `key` may go. */
  async acquire(key: string): Promise<void> {
    const wait = this.reserve(key);
    if (wait > 0) await this.sleep(wait);
  }
}

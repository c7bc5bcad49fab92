import { createHash } from "node:crypto";
import type { ClientRateLimitInfo, Options, Store } from "express-rate-limit";
import type { Db } from "../../../libs/db";
import { AUTH_SCHEMA } from "../migrations";

export const RATE_LIMITS = `${AUTH_SCHEMA}.rate_limits`;

/** Longer keys are stored hashed: a btree entry holds at most about 2.7 kB. */
const MAX_PLAIN_KEY = 256;

/**
 * express-rate-limit's counters in Postgres, so a limit holds across every gateway replica (with
 * in-memory counters, N replicas behind a round-robin let N times the limit through). One row per
 * key and fixed window: an upsert counts the hit and starts a new window once the old one ended,
 * on the database's clock (the replicas' clocks never disagree about a window). Expired rows are
 * deleted now and then by whichever replica counts.
 */
export class PgRateLimitStore implements Store {
  /** Counters are shared: express-rate-limit must not assume it sees every hit of a key. */
  readonly localKeys = false;
  prefix: string;
  private windowMs = 60_000;
  private lastPurge = 0;

  constructor(
    private readonly db: Db,
    prefix: string,
  ) {
    this.prefix = prefix;
  }

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  /**
   * The row's key. A key comes from what the client sent (login's email, before validation):
   * one Postgres text cannot hold (NUL) or too long for the key's index is stored as its hash.
   */
  private key(key: string): string {
    const safe = key.length <= MAX_PLAIN_KEY && !key.includes("\u0000");
    return `${this.prefix}${safe ? key : `#${createHash("sha256").update(key).digest("hex")}`}`;
  }

  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    const row: { hits: number; reset_at: Date } | undefined = await this.db(RATE_LIMITS).where({ key: this.key(key) }).andWhere("reset_at", ">", this.db.fn.now()).first("hits", "reset_at");
    return row ? { totalHits: row.hits, resetTime: new Date(row.reset_at) } : undefined;
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    const { rows } = (await this.db.raw(
      `insert into ${RATE_LIMITS} as r (key, hits, reset_at) values (?, 1, now() + make_interval(secs => ?))
       on conflict (key) do update set
         hits = case when r.reset_at <= now() then 1 else r.hits + 1 end,
         reset_at = case when r.reset_at <= now() then excluded.reset_at else r.reset_at end
       returning hits, reset_at`,
      [this.key(key), this.windowMs / 1000],
    )) as { rows: { hits: number; reset_at: Date }[] };
    void this.purgeNowAndThen();
    return { totalHits: rows[0]!.hits, resetTime: new Date(rows[0]!.reset_at) };
  }

  async decrement(key: string): Promise<void> {
    await this.db(RATE_LIMITS).where({ key: this.key(key) }).andWhere("hits", ">", 0).decrement("hits", 1);
  }

  async resetKey(key: string): Promise<void> {
    await this.db(RATE_LIMITS).where({ key: this.key(key) }).delete();
  }

  /** At most once a window per replica: rows whose window ended are of no use. */
  private async purgeNowAndThen(): Promise<void> {
    const now = Date.now();
    if (now - this.lastPurge < this.windowMs) return;
    this.lastPurge = now;
    await this.db(RATE_LIMITS)
      .where("reset_at", "<", this.db.raw("now() - interval '1 minute'"))
      .delete()
      .catch(() => undefined);
  }
}

import type { Db } from "./index";

/**
 * Reads on a hot standby (DATABASE_READ_URL), with read-your-writes by one rule:
 *
 *   A read goes to the standby only when the standby's replay position, sampled after the read
 *   began, is at or past the primary's WAL position, also sampled after the read began.
 *
 * A caller's write committed before its next request reached us (it had its answer), so the
 * primary's position sampled after that is at or past the write's commit record, and a standby
 * replayed that far shows it. No per-user state: the rule holds across any number of gateway
 * and service replicas, for every caller at once (a read never sees less than what was committed
 * before it began). The samples are shared: every read that began before a sample query was sent
 * waits on that one query (at most one in flight and one queued per position), so under load the
 * primary answers a few `pg_current_wal_lsn()` a millisecond, not one per read.
 *
 * A standby behind waits up to `maxWaitMs` for replay (streaming replication keeps it a few ms
 * behind under writes), then the read goes to the primary. A standby that fails a query (down,
 * promoted away, a recovery conflict cancelling the query) is left alone for `downForMs` and the
 * read is done again on the primary; so is one no longer in recovery (promoted: it is a primary
 * of its own now, and the services' DATABASE_URL follows it, see libs/db's multi-host URL).
 */
export interface ReadRoutingOptions {
  maxWaitMs?: number;
  downForMs?: number;
  /** performance.now(), injectable for tests. */
  now?: () => number;
}

export type ReadTarget = "primary" | "standby";

/** Where the reads went and why, for metrics and tests. */
export interface ReadRoutingStats {
  standby: number;
  primary: number;
  /** Reads sent to the primary because the standby was behind past maxWaitMs. */
  lagging: number;
  /** Reads sent to (or done again on) the primary because the standby failed or was not one. */
  unavailable: number;
}

/** A pg_lsn ('16/B374D848') as a number that orders: 32 high bits, 32 low bits. */
export function parseLsn(lsn: string): bigint {
  const [hi, lo] = lsn.split("/");
  if (hi === undefined || lo === undefined || !/^[0-9A-Fa-f]{1,8}$/.test(hi) || !/^[0-9A-Fa-f]{1,8}$/.test(lo)) throw new Error(`not a pg_lsn: ${lsn}`);
  return (BigInt(`0x${hi}`) << 32n) + BigInt(`0x${lo}`);
}

/**
 * A value read by a query sent at or after a given instant, shared by every caller that asked
 * before it was sent: one query in flight, and at most one queued behind it for those who came
 * after it was sent.
 */
export class FreshSample<T> {
  private inFlight?: { sentAt: number; value: Promise<T> };
  private queued?: Promise<T>;

  constructor(
    private readonly read: () => Promise<T>,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** A value whose query was sent at or after `after`. */
  get(after: number): Promise<T> {
    const current = this.inFlight;
    if (current && current.sentAt >= after) return current.value;
    if (!current) return this.send();
    if (!this.queued) {
      const queued = current.value.then(
        () => undefined,
        () => undefined,
      );
      this.queued = queued.then(() => {
        this.queued = undefined;
        return this.send();
      });
    }
    return this.queued;
  }

  private send(): Promise<T> {
    const entry = { sentAt: this.now(), value: this.read() };
    this.inFlight = entry;
    const settle = () => {
      if (this.inFlight === entry) this.inFlight = undefined;
    };
    entry.value.then(settle, settle);
    return entry.value;
  }
}

const firstValue = async (db: Db, sql: string): Promise<string | null> => {
  const { rows } = (await db.raw(sql)) as { rows: Record<string, string | null>[] };
  return Object.values(rows[0] ?? {})[0] ?? null;
};

export class ReadRouter {
  readonly stats: ReadRoutingStats = { standby: 0, primary: 0, lagging: 0, unavailable: 0 };
  private readonly maxWaitMs: number;
  private readonly downForMs: number;
  private readonly now: () => number;
  private readonly primaryLsn: FreshSample<bigint>;
  private readonly replayLsn: FreshSample<bigint | null>;
  private downUntil = 0;

  constructor(
    readonly primary: Db,
    readonly standby?: Db,
    options: ReadRoutingOptions = {},
  ) {
    this.maxWaitMs = options.maxWaitMs ?? 20;
    this.downForMs = options.downForMs ?? 1_000;
    this.now = options.now ?? (() => performance.now());
    this.primaryLsn = new FreshSample(async () => parseLsn((await firstValue(primary, "select pg_current_wal_lsn()::text as lsn"))!), this.now);
    this.replayLsn = new FreshSample(async () => {
      // Null once the standby is promoted (no longer replaying): it is no standby of ours then.
      const lsn = await firstValue(standby!, "select pg_last_wal_replay_lsn()::text as lsn");
      return lsn === null ? null : parseLsn(lsn);
    }, this.now);
  }

  /** Where a read that begins now may go, by the rule above. */
  async target(): Promise<ReadTarget> {
    if (!this.standby || this.now() < this.downUntil) return this.count("primary");
    const began = this.now();
    let replay: bigint | null;
    let needed: bigint;
    try {
      [needed, replay] = await Promise.all([this.primaryLsn.get(began), this.replayLsn.get(began)]);
    } catch {
      // The primary's sample failing is the read's own failure to come: the primary answers it.
      return this.markDown();
    }
    while (replay !== null && replay < needed) {
      if (this.now() - began >= this.maxWaitMs) {
        this.stats.lagging++;
        return this.count("primary");
      }
      await new Promise((r) => setTimeout(r, 2));
      replay = await this.replayLsn.get(this.now()).catch(() => null);
    }
    if (replay === null) return this.markDown();
    return this.count("standby");
  }

  /**
   * Objects bound to each database (a lister on the primary, one on the standby) and a way to run
   * a read on the right one: on the standby when the rule allows, done again on the primary when
   * the standby fails it with anything but an answer of the application's (a typed error).
   */
  per<T>(make: (db: Db) => T): { primary: T; run<R>(work: (on: T) => Promise<R>): Promise<R> } {
    const onPrimary = make(this.primary);
    const onStandby = this.standby ? make(this.standby) : onPrimary;
    return {
      primary: onPrimary,
      run: async (work) => {
        if ((await this.target()) === "primary") return work(onPrimary);
        try {
          return await work(onStandby);
        } catch (err) {
          if (isApplicationAnswer(err)) throw err;
          this.markDown();
          this.stats.standby--;
          return work(onPrimary);
        }
      },
    };
  }

  private markDown(): ReadTarget {
    this.downUntil = this.now() + this.downForMs;
    this.stats.unavailable++;
    return this.count("primary");
  }

  private count(target: ReadTarget): ReadTarget {
    this.stats[target]++;
    return target;
  }
}

/** An error the application raised on purpose (not found, forbidden…): the primary would say the same. */
function isApplicationAnswer(err: unknown): boolean {
  const e = err as { type?: unknown; code?: unknown } | null;
  return typeof e?.type === "string" && typeof e.code === "number" && e.code >= 400 && e.code < 500;
}

const routers = new WeakMap<Db, ReadRouter>();

/** Registers the standby a process opened for this primary handle (src/stack.ts). */
export function attachStandby(primary: Db, standby: Db, options?: ReadRoutingOptions): ReadRouter {
  const router = new ReadRouter(primary, standby, options);
  routers.set(primary, router);
  return router;
}

/** The reads router for a database handle: with no standby attached, every read goes to the primary. */
export function readRouting(primary: Db): ReadRouter {
  let router = routers.get(primary);
  if (!router) {
    router = new ReadRouter(primary);
    routers.set(primary, router);
  }
  return router;
}

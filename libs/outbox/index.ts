import type { Knex } from "knex";
import type { Clock } from "../clock";
import type { ChannelName, PayloadOf } from "../contracts/bus";
import type { Db, Trx } from "../db";
import { WakeableLoop } from "../loop";

/** The outbox table every publishing service keeps in its own schema. */
export async function createOutboxTable(db: Knex, schema: string): Promise<void> {
  await db.schema.withSchema(schema).createTable("outbox", (t) => {
    t.bigIncrements("id");
    t.text("key").notNullable().unique();
    t.text("channel").notNullable();
    t.jsonb("payload").notNullable();
    t.timestamp("created_at", { useTz: true }).notNullable();
    t.timestamp("claimed_until", { useTz: true });
  });
}

/**
 * Writes events in the caller's transaction: they are published only if the change commits.
 * The payload's type is the channel's in the bus registry; its `key` is the event's identity.
 */
export async function enqueue<C extends ChannelName>(trx: Trx, schema: string, channel: C, payloads: PayloadOf<C> | PayloadOf<C>[], clock: Clock): Promise<void> {
  const list = Array.isArray(payloads) ? payloads : [payloads];
  const createdAt = clock.now();
  const rows = list.map((payload) => ({ key: payload.key, channel, payload: JSON.stringify(payload), created_at: createdAt }));
  // Bounded statements: Postgres takes at most 65,535 parameters in one.
  for (let i = 0; i < rows.length; i += 1_000) await trx(`${schema}.outbox`).insert(rows.slice(i, i + 1_000));
}

export type Publish = (channel: string, payload: unknown, key: string) => Promise<void>;

export interface RelayOptions {
  batchSize?: number;
  /** How long a claim lasts: a relay that dies mid-batch leaves rows another picks up after this. */
  leaseMs?: number;
  /** How often a live relay extends the claim on the rows it has not published yet. */
  renewEveryMs?: number;
  /** Safety-net poll for rows written by other replicas or left by a crash. */
  pollMs?: number;
  /** After a turn that failed (NATS or the database away), the next try comes this soon. */
  retryMs?: number;
  /** Told the backlog after every turn (the metrics gauges). */
  onBacklog?: (backlog: OutboxBacklog) => void;
}

export interface OutboxBacklog {
  rows: number;
  /** When the oldest row still waiting was written; undefined when none waits. */
  oldest?: Date;
}

/** What waits to be published in a schema's outbox, claimed or not. */
export async function outboxBacklog(db: Knex, schema: string): Promise<OutboxBacklog> {
  const row: { n: string | number; oldest: string | Date | null } | undefined = await db(`${schema}.outbox`)
    .select(db.raw("count(*) as n, min(created_at) as oldest"))
    .first();
  const oldest = row?.oldest ? new Date(row.oldest) : undefined;
  return { rows: Number(row?.n ?? 0), oldest };
}

interface OutboxRow {
  id: number;
  key: string;
  channel: string;
  payload: unknown;
}

/**
 * Publishes outbox rows at least once, in id order per batch. Rows are claimed with a lease
 * under SKIP LOCKED (so replicas share the work), published outside any transaction, then
 * deleted. A crash between publish and delete republishes with the same key; consumers and
 * JetStream's duplicate window drop the repeat.
 *
 * The lease is short so that a successor takes over a dead relay's rows within seconds; a live
 * relay renews it while it publishes, so a slow publish (NATS reconnecting) does not hand its
 * rows to another relay mid-batch. Renewal is compare-and-set on the claim's own expiry: a relay
 * that stalled past its lease learns it lost the rows instead of taking them back.
 */
export class OutboxRelay {
  private readonly loop: WakeableLoop;
  private readonly batchSize: number;
  private readonly leaseMs: number;
  private readonly renewEveryMs: number;
  private stopping = false;

  constructor(
    private readonly db: Db,
    private readonly schema: string,
    private readonly publish: Publish,
    private readonly clock: Clock,
    onError: (err: unknown) => void,
    private readonly options: RelayOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 200;
    this.leaseMs = options.leaseMs ?? 3_000;
    this.renewEveryMs = options.renewEveryMs ?? Math.max(1, Math.floor(this.leaseMs / 3));
    this.loop = new WakeableLoop(
      async () => {
        try {
          return { again: (await this.drainOnce()) === this.batchSize };
        } catch (err) {
          // A stream between leaders refuses for seconds; its new leader is found within retryMs.
          onError(err);
          return { sleepMs: options.retryMs ?? 500 };
        } finally {
          // Above all when publishing fails: that is when the backlog grows.
          await this.reportBacklog();
        }
      },
      onError,
      options.pollMs ?? 1_000,
    );
  }

  start(): void {
    this.stopping = false;
    this.loop.start();
  }

  /** Finishes the publish under way, starts no other, and stops renewing: the rest waits for a successor. */
  stop(): Promise<void> {
    this.stopping = true;
    return this.loop.stop();
  }

  private async reportBacklog(): Promise<void> {
    const report = this.options.onBacklog;
    // A database that does not answer is drainOnce's error to report, not this one's.
    if (report) await outboxBacklog(this.db, this.schema).then(report, () => undefined);
  }

  /** Something was just committed: publish it now instead of at the next poll. */
  kick(): void {
    this.loop.poke();
  }

  /** Claims and publishes one batch; returns how many rows it published. */
  async drainOnce(): Promise<number> {
    const now = this.clock.now();
    const table = `${this.schema}.outbox`;
    let until = new Date(now.getTime() + this.leaseMs);
    const claimed: OutboxRow[] = await this.db(table)
      .update({ claimed_until: until })
      .whereIn(
        "id",
        this.db(table)
          .select("id")
          .where((q) => q.whereNull("claimed_until").orWhere("claimed_until", "<", now))
          .orderBy("id")
          .limit(this.batchSize)
          .forUpdate()
          .skipLocked(),
      )
      .returning(["id", "key", "channel", "payload"]);
    claimed.sort((a, b) => a.id - b.id);
    const published = new Set<number>();
    const held = new Set(claimed.map((r) => Number(r.id)));
    // Renewals run one at a time beside the publishing; the end of the batch waits for the last.
    let renewing = Promise.resolve();
    const renew = () => {
      renewing = renewing
        .then(async () => {
          const ids = [...held].filter((id) => !published.has(id));
          if (!ids.length || this.stopping) return;
          const next = new Date(this.clock.now().getTime() + this.leaseMs);
          const kept: { id: number }[] = await this.db(table).whereIn("id", ids).where("claimed_until", until).update({ claimed_until: next }).returning("id");
          const keptIds = new Set(kept.map((r) => Number(r.id)));
          for (const id of ids) if (!keptIds.has(id)) held.delete(id);
          until = next;
        })
        // A renewal the database refused is tried again at the next tick; the lease has slack for it.
        .catch(() => undefined);
    };
    const timer = claimed.length ? setInterval(renew, this.renewEveryMs) : undefined;
    try {
      for (const row of claimed) {
        if (this.stopping) break;
        if (!held.has(Number(row.id))) continue;
        await this.publish(row.channel, row.payload, row.key);
        published.add(Number(row.id));
      }
    } finally {
      clearInterval(timer);
      await renewing;
      if (published.size) await this.db(table).whereIn("id", [...published]).delete();
      // What failed to publish is retried at the next turn, not after the lease; rows another
      // relay has claimed since are its own now.
      const left = [...held].filter((id) => !published.has(id));
      if (left.length) await this.db(table).whereIn("id", left).where("claimed_until", until).update({ claimed_until: null });
    }
    return published.size;
  }
}

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
  /** Safety-net poll for rows written by other replicas or left by a crash. */
  pollMs?: number;
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
 */
export class OutboxRelay {
  private readonly loop: WakeableLoop;
  private readonly batchSize: number;
  private readonly leaseMs: number;

  constructor(
    private readonly db: Db,
    private readonly schema: string,
    private readonly publish: Publish,
    private readonly clock: Clock,
    onError: (err: unknown) => void,
    options: RelayOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 200;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.loop = new WakeableLoop(async () => ({ again: (await this.drainOnce()) === this.batchSize }), onError, options.pollMs ?? 1_000);
  }

  start(): void {
    this.loop.start();
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }

  /** Something was just committed: publish it now instead of at the next poll. */
  kick(): void {
    this.loop.poke();
  }

  /** Claims and publishes one batch; returns how many rows it published. */
  async drainOnce(): Promise<number> {
    const now = this.clock.now();
    const table = `${this.schema}.outbox`;
    const claimed: OutboxRow[] = await this.db(table)
      .update({ claimed_until: new Date(now.getTime() + this.leaseMs) })
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
    const published: number[] = [];
    try {
      for (const row of claimed) {
        await this.publish(row.channel, row.payload, row.key);
        published.push(row.id);
      }
    } finally {
      if (published.length) await this.db(table).whereIn("id", published).delete();
      // What failed to publish is retried at the next turn, not after the lease.
      const left = claimed.filter((r) => !published.includes(r.id)).map((r) => r.id);
      if (left.length) await this.db(table).whereIn("id", left).update({ claimed_until: null });
    }
    return published.length;
  }
}

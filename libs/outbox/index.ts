import { randomUUID } from "node:crypto";
import type { Knex } from "knex";
import type { Clock } from "../clock";
import type { Db, Trx } from "../db";

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

type Payload = Record<string, unknown> & { key?: string };

/** Writes events in the caller's transaction: they are published only if the change commits. */
export async function enqueue(trx: Trx, schema: string, channel: string, payloads: Payload | Payload[], clock: Clock): Promise<void> {
  const list = Array.isArray(payloads) ? payloads : [payloads];
  if (list.length === 0) return;
  const createdAt = clock.now();
  await trx(`${schema}.outbox`).insert(
    list.map((payload) => {
      const key = payload.key ?? randomUUID();
      return { key, channel, payload: JSON.stringify({ ...payload, key }), created_at: createdAt };
    }),
  );
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
  private running = false;
  private wake?: () => void;
  private loop?: Promise<void>;
  private readonly batchSize: number;
  private readonly leaseMs: number;
  private readonly pollMs: number;

  constructor(
    private readonly db: Db,
    private readonly schema: string,
    private readonly publish: Publish,
    private readonly clock: Clock,
    private readonly onError: (err: unknown) => void,
    options: RelayOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 200;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.pollMs = options.pollMs ?? 1_000;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.kick();
    await this.loop;
  }

  /** Something was just committed: publish it now instead of at the next poll. */
  kick(): void {
    this.wake?.();
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
    }
    return published.length;
  }

  private async run(): Promise<void> {
    while (this.running) {
      let published = 0;
      try {
        published = await this.drainOnce();
      } catch (err) {
        this.onError(err);
      }
      if (published === this.batchSize || !this.running) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.pollMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }
}

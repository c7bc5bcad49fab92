import type { Knex } from "knex";
import type { Clock } from "../clock";
import type { Db } from "../db";
import { Migration, migrateSchema } from "../db/migrate";
import { deadLettersTotal } from "../metrics";

/** The dead-letter table every channel-consuming service keeps in its own schema. */
export async function createDeadLettersTable(db: Knex, schema: string): Promise<void> {
  await db.schema.withSchema(schema).createTable("dead_letters", (t) => {
    t.bigIncrements("id");
    t.text("channel").notNullable();
    t.text("group").notNullable();
    t.jsonb("payload").notNullable();
    t.text("error").notNullable();
    t.integer("attempts").notNullable();
    t.timestamp("created_at", { useTz: true }).notNullable();
  });
}

/**
 * Creates the consuming service's dead-letter table, tracked apart from the service's own
 * migrations: search keeps no schema of its own when it indexes into Meilisearch, and the
 * table is the same in every consumer.
 */
export function migrateDeadLetters(db: Db, schema: string): Promise<void> {
  return migrateSchema(db, schema, deadLetterMigrations(schema), DEAD_LETTER_MIGRATIONS_TABLE);
}

export const DEAD_LETTER_MIGRATIONS_TABLE = "knex_migrations_dead_letters";
export const deadLetterMigrations = (schema: string): Migration[] => [{ name: "0001_dead_letters", up: (k) => createDeadLettersTable(k, schema) }];

/** The schemas whose services consume channels, each with its dead letters. */
export const CONSUMER_SCHEMAS = ["search", "scheduler", "notify"] as const;

export interface DeadLetter {
  id: string;
  schema: string;
  channel: string;
  group: string;
  payload: unknown;
  error: string;
  attempts: number;
  createdAt: Date;
}

export interface DeadLetterInput {
  channel: string;
  group: string;
  payload: unknown;
  error: unknown;
  attempts: number;
}

/** Where a channel consumer puts a message it gave up on (see channelHandlers in libs/broker/bus.ts). */
export interface DeadLetterSink {
  record(letter: DeadLetterInput): Promise<DeadLetter>;
}

interface Row {
  id: string | number;
  channel: string;
  group: string;
  payload: unknown;
  error: string;
  attempts: number;
  created_at: Date;
}

export function errorText(err: unknown): string {
  return err instanceof Error ? (err.stack ?? `${err.name}: ${err.message}`) : String(err);
}

/**
 * A service's dead letters: messages its channel handlers failed on after every retry. Kept
 * in the service's own schema, beside the state the message failed to change, so an
 * operator can list them and replay them once the cause is fixed (`npm run dead-letters`).
 */
export class DeadLetters implements DeadLetterSink {
  private readonly table: string;

  constructor(
    private readonly db: Db,
    readonly schema: string,
    private readonly clock: Clock,
  ) {
    this.table = `${schema}.dead_letters`;
  }

  async record(letter: DeadLetterInput): Promise<DeadLetter> {
    const [row] = await this.db(this.table)
      .insert({
        channel: letter.channel,
        group: letter.group,
        payload: JSON.stringify(letter.payload ?? null),
        error: errorText(letter.error).slice(0, 8_000),
        attempts: letter.attempts,
        created_at: this.clock.now(),
      })
      .returning("*");
    deadLettersTotal.inc({ channel: letter.channel, group: letter.group });
    return this.toLetter(row as Row);
  }

  async list(): Promise<DeadLetter[]> {
    const rows: Row[] = await this.db(this.table).orderBy("id");
    return rows.map((r) => this.toLetter(r));
  }

  async get(id: string): Promise<DeadLetter | undefined> {
    if (!/^\d{1,18}$/.test(id)) return undefined;
    const row: Row | undefined = await this.db(this.table).where({ id }).first();
    return row ? this.toLetter(row) : undefined;
  }

  /**
   * Replays one letter: `apply` re-publishes it (or runs the handler); the record goes only
   * once that succeeded, so a replay that fails leaves it for the next try.
   */
  async replay(id: string, apply: (letter: DeadLetter) => Promise<void>): Promise<boolean> {
    const letter = await this.get(id);
    if (!letter) return false;
    await apply(letter);
    await this.db(this.table).where({ id }).delete();
    return true;
  }

  private toLetter(r: Row): DeadLetter {
    return {
      id: String(r.id),
      schema: this.schema,
      channel: r.channel,
      group: r.group,
      payload: r.payload,
      error: r.error,
      attempts: r.attempts,
      createdAt: new Date(r.created_at),
    };
  }
}

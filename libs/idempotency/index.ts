import { createHash } from "node:crypto";
import type { Knex } from "knex";
import type { Clock } from "../clock";
import type { Trx } from "../db";
import { ValidationError } from "../errors";

const RETENTION_MS = 24 * 60 * 60 * 1000;

export async function createIdempotencyTable(db: Knex, schema: string): Promise<void> {
  await db.schema.withSchema(schema).createTable("idempotency_keys", (t) => {
    t.uuid("user_id").notNullable();
    t.text("key").notNullable();
    t.text("request_hash").notNullable();
    t.jsonb("response");
    t.timestamp("created_at", { useTz: true }).notNullable().index();
    t.primary(["user_id", "key"]);
  });
}

export function requestHash(body: unknown): string {
  return createHash("sha256").update(JSON.stringify(body ?? null)).digest("hex");
}

export interface IdempotentResult<T> {
  response: T;
  replayed: boolean;
}

/**
 * Runs `create` at most once per (user, key) within 24 h, inside the caller's transaction.
 * A concurrent duplicate blocks on the key row until the first commits, then replays its
 * response. The same key with a different request is refused.
 */
export async function runIdempotent<T>(
  trx: Trx,
  schema: string,
  scope: { userId: string; key: string; request: unknown },
  clock: Clock,
  create: () => Promise<T>,
): Promise<IdempotentResult<T>> {
  const table = `${schema}.idempotency_keys`;
  const hash = requestHash(scope.request);
  const now = clock.now();
  await trx(table)
    .where({ user_id: scope.userId, key: scope.key })
    .andWhere("created_at", "<", new Date(now.getTime() - RETENTION_MS))
    .delete();
  const inserted = await trx(table)
    .insert({ user_id: scope.userId, key: scope.key, request_hash: hash, created_at: now })
    .onConflict(["user_id", "key"])
    .ignore()
    .returning("key");
  if (inserted.length === 0) {
    const stored = await trx(table).where({ user_id: scope.userId, key: scope.key }).first();
    if (stored.request_hash !== hash) {
      throw new ValidationError("Idempotency-Key was already used with a different request", [
        { path: "headers.idempotency-key", message: "reused with a different request body" },
      ]);
    }
    return { response: stored.response as T, replayed: true };
  }
  const response = await create();
  await trx(table).where({ user_id: scope.userId, key: scope.key }).update({ response: JSON.stringify(response) });
  return { response, replayed: false };
}

export async function purgeExpiredKeys(db: Knex, schema: string, clock: Clock): Promise<number> {
  return db(`${schema}.idempotency_keys`)
    .where("created_at", "<", new Date(clock.now().getTime() - RETENTION_MS))
    .delete();
}

import { randomBytes, randomUUID } from "node:crypto";
import { abilityFromMeta, asProject } from "../../../libs/authz";
import type { Clock } from "../../../libs/clock";
import type { AuthMeta, WebhookDeliveryDto, WebhookDto, WebhookEvent } from "../../../libs/contracts";
import type { Db } from "../../../libs/db";
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from "../../../libs/errors";
import { runIdempotent } from "../../../libs/idempotency";
import type { CursorCodec } from "../../../libs/task-query";
import { NOTIFY_SCHEMA } from "../migrations";
import { resolveTarget, Resolver, TargetRefused } from "./ssrf";

export const SUBSCRIPTIONS = `${NOTIFY_SCHEMA}.webhook_subscriptions`;
export const DELIVERIES = `${NOTIFY_SCHEMA}.webhook_deliveries`;
/** Subscriptions one user may hold (409 beyond): each costs a row per matching event. */
export const MAX_WEBHOOKS_PER_USER = 25;

export interface SubscriptionRow {
  id: string;
  user_id: string;
  project_id: string | null;
  url: string;
  events: WebhookEvent[];
  secret: string;
  enabled: boolean;
  disabled_reason: string | null;
  consecutive_failures: number;
  created_at: Date;
  updated_at: Date;
}

export interface DeliveryRow {
  id: string;
  seq: string;
  subscription_id: string;
  event_key: string;
  event_type: WebhookEvent;
  project_id: string | null;
  body: unknown;
  status: "pending" | "succeeded" | "failed";
  attempts: number;
  round_attempts: number;
  round_started_at: Date;
  response_status: number | null;
  duration_ms: number | null;
  last_error: string | null;
  next_attempt_at: Date | null;
  claimed_until: Date | null;
  created_at: Date;
  last_attempt_at: Date | null;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

function toDto(row: SubscriptionRow): WebhookDto {
  return {
    id: row.id,
    url: row.url,
    events: row.events,
    projectId: row.project_id,
    enabled: row.enabled,
    disabledReason: row.disabled_reason,
    consecutiveFailures: row.consecutive_failures,
    createdAt: iso(row.created_at)!,
    updatedAt: iso(row.updated_at)!,
  };
}

function toDeliveryDto(row: DeliveryRow): WebhookDeliveryDto {
  return {
    id: row.id,
    event: row.event_type,
    status: row.status,
    attempts: row.attempts,
    responseStatus: row.response_status,
    durationMs: row.duration_ms,
    lastError: row.last_error,
    nextAttemptAt: row.status === "pending" ? iso(row.next_attempt_at) : null,
    createdAt: iso(row.created_at)!,
    lastAttemptAt: iso(row.last_attempt_at),
  };
}

/** `whsec_` + base64 of 32 random bytes: the form the standardwebhooks libraries take. */
export function newSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

export interface SubscriptionOptions {
  allowedHosts: readonly string[];
  resolve?: Resolver;
}

/**
 * A user's webhook subscriptions and their delivery logs. Everything is scoped to the caller:
 * another user's subscription is not found (404), whoever asks.
 */
export class WebhookSubscriptions {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly cursors: CursorCodec,
    private readonly options: SubscriptionOptions,
  ) {}

  async create(auth: AuthMeta, input: { url: string; events: WebhookEvent[]; projectId?: string }, idempotencyKey?: string): Promise<WebhookDto & { secret: string }> {
    if (input.projectId) {
      const ability = abilityFromMeta(auth);
      if (!ability.can("read", asProject(input.projectId))) throw new NotFoundError(`project ${input.projectId} not found`);
      if (!ability.can("share", asProject(input.projectId))) throw new ForbiddenError("only the project's owner subscribes to its events");
    }
    await this.checkUrl(input.url);
    const create = async (trx: Db) => {
      const [{ count }] = await trx(SUBSCRIPTIONS).where({ user_id: auth.userId }).count<{ count: string }[]>({ count: "*" });
      if (Number(count) >= MAX_WEBHOOKS_PER_USER) throw new ConflictError(`at most ${MAX_WEBHOOKS_PER_USER} webhooks per user`);
      const now = this.clock.now();
      const [row] = await trx<SubscriptionRow>(SUBSCRIPTIONS)
        .insert({
          id: randomUUID(),
          user_id: auth.userId,
          project_id: input.projectId ?? null,
          url: input.url,
          events: input.events,
          secret: newSecret(),
          enabled: true,
          created_at: now,
          updated_at: now,
        })
        .returning("*");
      return { ...toDto(row!), secret: row!.secret };
    };
    return this.db.transaction(async (trx) => {
      if (!idempotencyKey) return create(trx);
      const scope = { userId: auth.userId, key: `webhooks:${idempotencyKey}`, request: input };
      return (await runIdempotent(trx, NOTIFY_SCHEMA, scope, this.clock, () => create(trx))).response;
    });
  }

  async list(userId: string): Promise<{ items: WebhookDto[] }> {
    const rows = await this.db<SubscriptionRow>(SUBSCRIPTIONS).where({ user_id: userId }).orderBy("created_at", "desc").orderBy("id");
    return { items: rows.map(toDto) };
  }

  async get(userId: string, id: string): Promise<WebhookDto> {
    return toDto(await this.row(userId, id));
  }

  async update(userId: string, id: string, patch: { url?: string; events?: WebhookEvent[]; enabled?: boolean }): Promise<WebhookDto> {
    if (patch.url !== undefined) await this.checkUrl(patch.url);
    return this.db.transaction(async (trx) => {
      const row = await trx<SubscriptionRow>(SUBSCRIPTIONS).where({ id, user_id: userId }).forUpdate().first();
      if (!row) throw new NotFoundError(`webhook ${id} not found`);
      const changes: Partial<SubscriptionRow> = { updated_at: this.clock.now() };
      if (patch.url !== undefined) changes.url = patch.url;
      if (patch.events !== undefined) changes.events = patch.events;
      if (patch.enabled === true && !row.enabled) Object.assign(changes, { enabled: true, disabled_reason: null, consecutive_failures: 0 });
      if (patch.enabled === false && row.enabled) Object.assign(changes, { enabled: false, disabled_reason: "disabled by its owner" });
      const [updated] = await trx<SubscriptionRow>(SUBSCRIPTIONS).where({ id }).update(changes).returning("*");
      return toDto(updated!);
    });
  }

  async remove(userId: string, id: string): Promise<void> {
    // The rows, not a count: the embedded database's driver answers no count for a delete.
    const removed = await this.db(SUBSCRIPTIONS).where({ id, user_id: userId }).delete().returning("id");
    if (!removed.length) throw new NotFoundError(`webhook ${id} not found`);
  }

  /** The delivery log, newest first. */
  async deliveries(userId: string, id: string, limit: number, cursor?: string): Promise<{ items: WebhookDeliveryDto[]; nextCursor: string | null }> {
    await this.row(userId, id);
    const fingerprint = `webhook-deliveries:${id}`;
    const q = this.db<DeliveryRow>(DELIVERIES).where({ subscription_id: id });
    if (cursor) {
      const [seq] = this.cursors.decode(cursor, fingerprint, userId, 1);
      if (typeof seq !== "number" || !Number.isSafeInteger(seq)) throw new ValidationError("Invalid cursor", [{ path: "query.cursor", message: "is not a cursor this list issued" }]);
      q.where("seq", "<", seq);
    }
    const rows = await q.orderBy("seq", "desc").limit(limit + 1);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { items: page.map(toDeliveryDto), nextCursor: rows.length > limit && last ? this.cursors.encode(fingerprint, userId, [Number(last.seq)]) : null };
  }

  /**
   * Sends a delivery again, whatever became of it: it is pending at once, with a fresh retry
   * round (its backoff and its horizon start over), the same `webhook-id` and body.
   */
  async redeliver(userId: string, id: string, deliveryId: string): Promise<void> {
    const row = await this.row(userId, id);
    if (!row.enabled) throw new ConflictError(`webhook ${id} is disabled: enable it first`);
    const now = this.clock.now();
    const updated = await this.db(DELIVERIES)
      .where({ id: deliveryId, subscription_id: id })
      .update({ status: "pending", next_attempt_at: now, round_attempts: 0, round_started_at: now, claimed_until: null })
      .returning("id");
    if (!updated.length) throw new NotFoundError(`delivery ${deliveryId} not found`);
  }

  /** A deleted account: its subscriptions go, and with them (cascade) their deliveries. */
  async erase(userId: string): Promise<void> {
    await this.db(SUBSCRIPTIONS).where({ user_id: userId }).delete();
    // Replayable creations hold the secret they answered.
    await this.db(`${NOTIFY_SCHEMA}.idempotency_keys`).where({ user_id: userId }).delete();
  }

  private async row(userId: string, id: string): Promise<SubscriptionRow> {
    const row = await this.db<SubscriptionRow>(SUBSCRIPTIONS).where({ id, user_id: userId }).first();
    if (!row) throw new NotFoundError(`webhook ${id} not found`);
    return row;
  }

  private async checkUrl(url: string): Promise<void> {
    try {
      await resolveTarget(url, this.options.allowedHosts, this.options.resolve);
    } catch (err) {
      if (err instanceof TargetRefused) throw new ValidationError("Webhook URL refused", [{ path: "body.url", message: err.message }]);
      throw err;
    }
  }
}

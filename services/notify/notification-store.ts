import { randomUUID } from "node:crypto";
import type { Clock } from "../../libs/clock";
import {
  type Channel,
  DeliveryStatus,
  InvitationCreatedEvent,
  LATE_AFTER_MS,
  ListNotificationsQuery,
  NotificationDto,
  NotificationKind,
  ReminderDueEvent,
  TaskUnblockedEvent,
  CommentMentionedEvent,
} from "../../libs/contracts";
import type { Db } from "../../libs/db";
import { NotFoundError, ValidationError } from "../../libs/errors";
import { deliveries } from "../../libs/metrics";
import { NOTIFY_SCHEMA } from "./migrations";
import { isoOrNull } from "../../libs/time";
import type { CursorCodec } from "../../libs/task-query";

const NOTIFICATIONS = `${NOTIFY_SCHEMA}.notifications`;
const DELIVERIES = `${NOTIFY_SCHEMA}.deliveries`;
/** How far back Last-Event-ID replays. */
export const REPLAY_WINDOW_MS = 7 * 24 * 3600_000;

export interface NotificationRow {
  id: string;
  seq: number;
  key: string;
  user_id: string;
  kind: NotificationKind;
  task_id: string | null;
  reminder_id: string | null;
  invitation_id: string | null;
  project_id: string | null;
  title: string;
  due_at: Date | null;
  fire_at: Date | null;
  timezone: string;
  late: boolean;
  snoozed: boolean;
  created_at: Date;
  read_at: Date | null;
}

interface DeliveryRow {
  notification_id: string;
  channel: Channel;
  status: DeliveryStatus;
  attempts: number;
  last_error: string | null;
}

function toDto(row: NotificationRow, deliveries: DeliveryRow[]): NotificationDto {
  return {
    id: row.id,
    kind: row.kind,
    taskId: row.task_id,
    reminderId: row.reminder_id,
    title: row.title,
    dueAt: isoOrNull(row.due_at),
    fireAt: isoOrNull(row.fire_at),
    invitationId: row.invitation_id,
    projectId: row.project_id,
    createdAt: isoOrNull(row.created_at),
    readAt: isoOrNull(row.read_at),
    late: row.late,
    deliveries: deliveries
      .filter((d) => d.notification_id === row.id)
      .sort((a, b) => a.channel.localeCompare(b.channel))
      .map((d) => ({ channel: d.channel, status: d.status, attempts: d.attempts, lastError: d.last_error })),
  };
}

/** The inbox: one notification per reminder occurrence, with a delivery record per channel. */
const notificationCursor = (unread: boolean | undefined) => `notifications:${unread ?? "all"}`;

export class NotificationStore {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly cursors: CursorCodec,
  ) {}

  /** Records a due reminder once; a redelivered event finds it already there (`created: false`). */
  record(event: ReminderDueEvent): Promise<{ notification: NotificationDto; created: boolean }> {
    return this.recordOnce(
      {
        key: event.key,
        kind: "reminder",
        user_id: event.recipientId,
        task_id: event.taskId,
        reminder_id: event.reminderId,
        title: event.title,
        due_at: event.dueAt ? new Date(event.dueAt) : null,
        fire_at: new Date(event.fireAt),
        timezone: event.timezone,
        // The scheduler's view (fired late) or ours (the event waited in a queue or a retry).
        late: event.late || this.clock.now().getTime() - new Date(event.fireAt).getTime() > LATE_AFTER_MS,
        snoozed: event.snoozed,
      },
      event.channels,
    );
  }

  /**
   * Records an invitation once, keyed by the invitation: streamed only, since the WhatsApp
   * templates are a reminder's and an invitation can wait for the invitee's next visit.
   */
  recordInvitation(event: InvitationCreatedEvent): Promise<{ notification: NotificationDto; created: boolean }> {
    return this.recordOnce(
      {
        key: `invitation:${event.invitationId}`,
        kind: "invitation",
        user_id: event.recipientId,
        invitation_id: event.invitationId,
        project_id: event.projectId,
        title: `Invitation to join "${event.projectName}" as ${event.role}`,
        timezone: "UTC",
      },
      ["sse"],
    );
  }

  /** Records once, by the event's key, that a task's last blocker was completed: streamed, and WhatsApp per the user's settings. */
  recordUnblocked(event: TaskUnblockedEvent): Promise<{ notification: NotificationDto; created: boolean }> {
    return this.recordTaskNotice(event.key, "unblocked", event, `Unblocked: ${event.title}`, event.dueAt);
  }

  /** A notice about a task (not a reminder): streamed, and WhatsApp per the user's settings. */
  private recordTaskNotice(
    key: string,
    kind: NotificationKind,
    event: { recipientId: string; taskId: string; projectId: string | null; timezone: string },
    title: string,
    dueAt: string | null,
  ): Promise<{ notification: NotificationDto; created: boolean }> {
    const fields = { key, kind, user_id: event.recipientId, task_id: event.taskId, project_id: event.projectId, title, timezone: event.timezone };
    return this.recordOnce({ ...fields, due_at: dueAt ? new Date(dueAt) : null }, ["sse", "whatsapp"]);
  }

  /** Records once, by the event's key, that a comment mentioned the user: streamed, and WhatsApp per their settings. */
  recordMention(event: CommentMentionedEvent): Promise<{ notification: NotificationDto; created: boolean }> {
    return this.recordTaskNotice(event.key, "mention", event, `Mentioned on: ${event.title}`, null);
  }

  /** Records once per disabling that a webhook subscription was disabled after failing: streamed only. */
  recordWebhookDisabled(sub: { id: string; userId: string; projectId: string | null; url: string; failures: number; disabledAt: Date }): Promise<{ notification: NotificationDto; created: boolean }> {
    return this.recordOnce(
      {
        key: `webhook.disabled:${sub.id}:${sub.disabledAt.toISOString()}`,
        kind: "webhook.disabled",
        user_id: sub.userId,
        project_id: sub.projectId,
        title: `Webhook ${sub.id} to ${sub.url} was disabled after ${sub.failures} failed deliveries in a row; enable it again with PATCH /webhooks/${sub.id}`,
        timezone: "UTC",
      },
      ["sse"],
    );
  }

  private async recordOnce(fields: Partial<NotificationRow> & { key: string }, channels: Channel[]): Promise<{ notification: NotificationDto; created: boolean }> {
    const now = this.clock.now();
    const created = await this.db.transaction(async (trx) => {
      const [row] = await trx<NotificationRow>(NOTIFICATIONS)
        .insert({ id: randomUUID(), ...fields, created_at: now })
        .onConflict("key")
        .ignore()
        .returning("*");
      if (!row) return false;
      channels.forEach((channel) => deliveries.inc({ channel, status: "pending" }));
      await trx(DELIVERIES).insert(
        channels.map((channel) => ({
          notification_id: row.id,
          channel,
          status: "pending",
          next_attempt_at: channel === "whatsapp" ? now : null,
          updated_at: now,
        })),
      );
      return true;
    });
    const row = await this.db<NotificationRow>(NOTIFICATIONS).where({ key: fields.key }).first();
    return { notification: (await this.hydrate([row!]))[0]!, created };
  }

  async get(userId: string, id: string): Promise<NotificationDto> {
    const row = await this.db<NotificationRow>(NOTIFICATIONS).where({ id, user_id: userId }).first();
    if (!row) throw new NotFoundError(`notification ${id} not found`);
    return (await this.hydrate([row]))[0]!;
  }

  async row(userId: string, id: string): Promise<NotificationRow> {
    const row = await this.db<NotificationRow>(NOTIFICATIONS).where({ id, user_id: userId }).first();
    if (!row) throw new NotFoundError(`notification ${id} not found`);
    return row;
  }

  /** Newest first, keyset-paged on the notification sequence. */
  async list(userId: string, query: ListNotificationsQuery): Promise<{ items: NotificationDto[]; nextCursor: string | null }> {
    const q = this.db<NotificationRow>(NOTIFICATIONS).where({ user_id: userId });
    if (query.unread === true) q.whereNull("read_at");
    if (query.unread === false) q.whereNotNull("read_at");
    if (query.cursor) {
      // The filter is part of the fingerprint: a cursor from the unread list does not page the read one.
      const [seq] = this.cursors.decode(query.cursor, notificationCursor(query.unread), userId, 1);
      if (typeof seq !== "number" || !Number.isSafeInteger(seq)) throw new ValidationError("Invalid cursor", [{ path: "query.cursor", message: "is not a cursor this list issued" }]);
      q.where("seq", "<", seq);
    }
    const rows = await q.orderBy("seq", "desc").limit(query.limit + 1);
    const page = rows.slice(0, query.limit);
    return {
      items: await this.hydrate(page),
      nextCursor: rows.length > query.limit ? this.cursors.encode(notificationCursor(query.unread), userId, [Number(page[page.length - 1]!.seq)]) : null,
    };
  }

  async markRead(userId: string, id: string): Promise<void> {
    const updated = await this.db(NOTIFICATIONS).where({ id, user_id: userId }).update({ read_at: this.db.raw("coalesce(read_at, ?)", [this.clock.now()]) });
    if (!updated) throw new NotFoundError(`notification ${id} not found`);
  }

  /** What a stream missed after `lastEventId`, oldest first, at most 7 days back. */
  async since(userId: string, lastEventId: string | undefined): Promise<NotificationDto[]> {
    if (!lastEventId || !/^[0-9a-f-]{36}$/i.test(lastEventId)) return [];
    const last = await this.db<NotificationRow>(NOTIFICATIONS).where({ id: lastEventId, user_id: userId }).first();
    const from = new Date(this.clock.now().getTime() - REPLAY_WINDOW_MS);
    const q = this.db<NotificationRow>(NOTIFICATIONS).where({ user_id: userId }).andWhere("created_at", ">", from);
    if (last) q.andWhere("seq", ">", last.seq);
    return this.hydrate(await q.orderBy("seq").limit(1000));
  }

  async setDelivery(notificationId: string, channel: Channel, status: DeliveryStatus, fields: { lastError?: string | null; attempts?: number } = {}): Promise<void> {
    await this.db(DELIVERIES)
      .where({ notification_id: notificationId, channel })
      .update({
        status,
        updated_at: this.clock.now(),
        ...(fields.lastError !== undefined ? { last_error: fields.lastError } : {}),
        ...(fields.attempts !== undefined ? { attempts: fields.attempts } : {}),
      });
  }

  /** Streams reached: pending SSE deliveries become sent (replays included). */
  async markStreamed(ids: string[]): Promise<void> {
    if (!ids.length) return;
    const updated = await this.db(DELIVERIES)
      .whereIn("notification_id", ids)
      .andWhere({ channel: "sse", status: "pending" })
      .update({ status: "sent", attempts: this.db.raw("attempts + 1"), updated_at: this.clock.now() });
    if (updated) deliveries.inc({ channel: "sse", status: "sent" }, updated);
  }

  private async hydrate(rows: NotificationRow[]): Promise<NotificationDto[]> {
    if (!rows.length) return [];
    const deliveries: DeliveryRow[] = await this.db(DELIVERIES).whereIn("notification_id", rows.map((r) => r.id));
    return rows.map((r) => toDto(r, deliveries));
  }
}

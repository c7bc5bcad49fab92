import { randomUUID } from "node:crypto";
import type { Clock } from "../../libs/clock";
import { LATE_AFTER_MS, REMINDER_DUE_CHANNEL, ReminderDueEvent, TaskEvent } from "../../libs/contracts";
import type { Db, Trx } from "../../libs/db";
import { NotFoundError } from "../../libs/errors";
import { reminderLag } from "../../libs/metrics";
import { enqueue } from "../../libs/outbox";
import { SCHEDULER_SCHEMA } from "./migrations";
import { jobKey, planReminders } from "./reminder-plan";

const JOBS = `${SCHEDULER_SCHEMA}.jobs`;
const VERSIONS = `${SCHEDULER_SCHEMA}.task_versions`;

export interface JobRow {
  id: string;
  key: string;
  task_id: string;
  reminder_id: string;
  owner_id: string;
  recipient_id: string;
  project_id: string | null;
  project_known: boolean;
  title: string;
  due_at: Date | null;
  occurrence_at: Date | null;
  fire_at: Date;
  channels: ReminderDueEvent["channels"];
  timezone: string;
  snoozed: boolean;
  state: "pending" | "fired";
  fired_at: Date | null;
}

/**
 * One row per pending reminder occurrence, kept in step with task events. Firing marks rows
 * and writes their `reminder.due` events to the outbox in one transaction, so a crash
 * either fires a reminder completely or not at all, and replicas never claim the same row.
 */
export class ReminderScheduler {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /**
   * Applies a task change; an event older than one already applied is ignored, so events
   * may arrive late, twice, or out of order. Returns the earliest fire instant it scheduled.
   */
  async applyTaskEvent(event: TaskEvent): Promise<Date | null> {
    return this.db.transaction(async (trx) => {
      const newer = await trx(VERSIONS)
        .insert({ task_id: event.taskId, version: event.version })
        .onConflict("task_id")
        .merge()
        .where(`${VERSIONS}.version`, "<", event.version)
        .returning("task_id");
      if (newer.length === 0) return null;

      const task = event.task;
      const pending = trx(JOBS).where({ task_id: event.taskId, state: "pending" });
      if (!task || task.status === "done") {
        await pending.delete();
        return null;
      }
      // Snoozes belong to a fired notification, not to the task's current reminders: they stay.
      const replaced: { key: string }[] = await trx(JOBS).where({ task_id: event.taskId, state: "pending", snoozed: false }).delete().returning("key");
      await trx(JOBS)
        .where({ task_id: event.taskId, state: "pending", snoozed: true })
        .update({ title: task.title, due_at: task.dueAt, recipient_id: recipientOf(event), project_id: task.projectId ?? null, project_known: true });

      const planned = planReminders(event, new Set(replaced.map((j) => j.key)));
      if (planned.length === 0) return null;
      await trx(JOBS)
        .insert(
          planned.map((job) => ({
            id: randomUUID(),
            key: job.key,
            task_id: event.taskId,
            reminder_id: job.reminderId,
            owner_id: event.ownerId,
            recipient_id: recipientOf(event),
            project_id: task.projectId ?? null,
            project_known: true,
            title: task.title,
            due_at: task.dueAt,
            occurrence_at: job.occurrenceAt,
            fire_at: job.fireAt,
            channels: job.channels,
            timezone: event.timezone,
          })),
        )
        // A reminder occurrence that already fired (same key) never fires again.
        .onConflict("key")
        .ignore();
      return new Date(Math.min(...planned.map((j) => j.fireAt.getTime())));
    });
  }

  /** Fires up to `batch` due reminders; returns how many. */
  async fireDue(batch = 500): Promise<number> {
    const now = this.clock.now();
    return this.db.transaction(async (trx) => {
      const fired: JobRow[] = await trx(JOBS)
        .update({ state: "fired", fired_at: now })
        .whereIn(
          "id",
          trx(JOBS).select("id").where("state", "pending").andWhere("fire_at", "<=", now).orderBy("fire_at").limit(batch).forUpdate().skipLocked(),
        )
        .returning("*");
      await enqueue(trx, SCHEDULER_SCHEMA, REMINDER_DUE_CHANNEL, fired.map((job) => ({ ...toDueEvent(job, now) })), this.clock);
      for (const job of fired) reminderLag.observe(Math.max(0, now.getTime() - new Date(job.fire_at).getTime()) / 1000);
      return fired.length;
    });
  }

  async nextFireAt(): Promise<Date | null> {
    const row = await this.db(JOBS).where("state", "pending").min({ next: "fire_at" }).first();
    return row?.next ? new Date(row.next) : null;
  }

  /**
   * Re-arms a fired reminder `minutes` from now. The latest snooze of a notification wins:
   * it replaces the one still pending, so repeated snoozes never multiply re-notifications.
   */
  async snooze(firedKey: string, minutes: number, trx?: Trx): Promise<{ key: string; fireAt: Date }> {
    if (!trx) return this.db.transaction((t) => this.snooze(firedKey, minutes, t));
    // Locking the fired row queues concurrent snoozes of one notification behind each other.
    const fired: (JobRow & { snoozed_from: string | null }) | undefined = await trx(JOBS).where({ key: firedKey }).forUpdate().first();
    if (!fired) throw new NotFoundError(`no fired reminder ${firedKey}`);
    const fireAt = new Date(this.clock.now().getTime() + minutes * 60_000);
    const key = jobKey(fired.reminder_id, fireAt);
    await trx(JOBS).where({ snoozed_from: firedKey, state: "pending" }).delete();
    const { id: _id, key: _key, state: _state, fired_at: _firedAt, snoozed_from: _from, ...copy } = fired;
    await trx(JOBS)
      .insert({ ...copy, id: randomUUID(), key, fire_at: fireAt, snoozed: true, snoozed_from: firedKey, state: "pending" })
      .onConflict("key")
      .ignore();
    return { key, fireAt };
  }
}

function recipientOf(event: TaskEvent): string {
  return (event.task as { assigneeId?: string | null } | null)?.assigneeId ?? event.ownerId;
}

function toDueEvent(job: JobRow, now: Date): ReminderDueEvent {
  return {
    key: job.key,
    taskId: job.task_id,
    reminderId: job.reminder_id,
    ownerId: job.owner_id,
    recipientId: job.recipient_id,
    ...(job.project_known ? { projectId: job.project_id } : {}),
    title: job.title,
    dueAt: job.due_at ? new Date(job.due_at).toISOString() : null,
    occurrenceAt: job.occurrence_at ? new Date(job.occurrence_at).toISOString() : null,
    fireAt: new Date(job.fire_at).toISOString(),
    firedAt: now.toISOString(),
    late: now.getTime() - new Date(job.fire_at).getTime() > LATE_AFTER_MS,
    snoozed: job.snoozed,
    channels: job.channels,
    timezone: job.timezone,
  };
}

import { randomUUID } from "node:crypto";
import type { Clock } from "../../../libs/clock";
import { COMMENT_CHANNELS, CommentEvent, TASK_CHANNELS, TaskEvent, WebhookEvent } from "../../../libs/contracts";
import type { Db, Trx } from "../../../libs/db";
import { NOTIFY_SCHEMA } from "../migrations";
import { DELIVERIES, SUBSCRIPTIONS } from "./subscriptions";

const SCOPES = `${NOTIFY_SCHEMA}.webhook_task_scopes`;
const MEMBERSHIPS = `${NOTIFY_SCHEMA}.memberships`;
const CONTACTS = `${NOTIFY_SCHEMA}.contacts`;

/** What an event is about, for matching subscriptions and checking who may read it. */
interface Subject {
  key: string;
  type: WebhookEvent;
  ownerId: string;
  projectId: string | null;
  body: { type: WebhookEvent; timestamp: string; data: unknown };
}

/**
 * Asks the tasks service whether a user may read a task, for a member whose membership notify
 * has not heard of yet (its event still on the way). Absent: such a member gets nothing.
 */
export type ReadCheck = (taskId: string, userId: string) => Promise<boolean>;

/**
 * Turns consumed events into delivery rows, one per (event key, subscription), so a redelivered
 * event adds nothing. Who gets an event:
 * - a subscription without a project: events of the tasks its user owns, while they may read
 *   them (a personal task, or one in a project they are still a member of);
 * - a project subscription: events of that project's tasks, while its user is still a member.
 * A disabled account and a disabled subscription get nothing. For a task.deleted, which
 * carries no task, the project is the one notify last saw the task in.
 */
export class WebhookFanOut {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly readCheck?: ReadCheck,
  ) {}

  /** How many deliveries the event added. */
  async onTask(event: TaskEvent): Promise<number> {
    const data = event.task ?? { id: event.taskId, ownerId: event.ownerId, projectId: null as string | null, version: event.version, deletedAt: event.occurredAt };
    const subject = (projectId: string | null): Subject => ({
      key: event.key,
      type: event.type,
      ownerId: event.ownerId,
      projectId,
      body: { type: event.type, timestamp: event.occurredAt, data: event.task ? data : { ...data, projectId } },
    });
    if (event.type !== TASK_CHANNELS.deleted) {
      // No transaction: each statement is idempotent on its own, and a redelivery repeats them.
      const projectId = event.task?.projectId ?? null;
      await this.db(SCOPES)
        .insert({ task_id: event.taskId, owner_id: event.ownerId, project_id: projectId, version: event.version })
        .onConflict("task_id")
        .merge()
        .where(`${SCOPES}.version`, "<", event.version);
      return this.fanOut(this.db, event.taskId, subject(projectId));
    }
    return this.db.transaction(async (trx) => {
      const scope: { project_id: string | null } | undefined = await trx(SCOPES).where({ task_id: event.taskId }).first("project_id");
      const added = await this.fanOut(trx, event.taskId, subject(scope?.project_id ?? null));
      // The deletion is delivered (above) before the task's last project is forgotten.
      await trx(SCOPES).where({ task_id: event.taskId }).delete();
      return added;
    });
  }

  async onComment(event: CommentEvent): Promise<number> {
    const data = {
      id: event.commentId,
      taskId: event.taskId,
      authorId: event.authorId,
      text: event.text,
      mentions: event.mentions,
      createdAt: event.createdAt,
      updatedAt: event.updatedAt,
      version: event.version,
    };
    return this.fanOut(this.db, event.taskId, {
        key: event.key,
        type: COMMENT_CHANNELS.created,
        ownerId: event.ownerId,
        projectId: event.projectId,
        body: { type: COMMENT_CHANNELS.created, timestamp: event.createdAt, data },
      });
  }

  private async fanOut(trx: Db | Trx, taskId: string, subject: Subject): Promise<number> {
    const candidates: { id: string; user_id: string; known: boolean; role: string | null }[] = await trx(`${SUBSCRIPTIONS} as s`)
      .leftJoin(`${MEMBERSHIPS} as m`, (j) => j.on("m.user_id", "s.user_id").andOn("m.project_id", trx.raw("?::uuid", [subject.projectId])))
      .leftJoin(`${CONTACTS} as c`, "c.user_id", "s.user_id")
      .where("s.enabled", true)
      .whereRaw("? = any(s.events)", [subject.type])
      .whereRaw("coalesce(c.disabled, false) = false")
      .andWhere((q) => {
        q.where((own) => own.whereNull("s.project_id").andWhere("s.user_id", subject.ownerId));
        if (subject.projectId) q.orWhere("s.project_id", subject.projectId);
      })
      .select("s.id", "s.user_id", "m.role", trx.raw("m.user_id is not null as known"));
    const readers: string[] = [];
    for (const c of candidates) {
      if (subject.projectId === null) readers.push(c.id);
      else if (c.known) {
        if (c.role !== null) readers.push(c.id);
      } else if (subject.type !== TASK_CHANNELS.deleted && this.readCheck && (await this.readCheck(taskId, c.user_id))) readers.push(c.id);
    }
    if (!readers.length) return 0;
    const now = this.clock.now();
    const inserted = await trx(DELIVERIES)
      .insert(
        readers.map((subscriptionId) => ({
          id: randomUUID(),
          subscription_id: subscriptionId,
          event_key: subject.key,
          event_type: subject.type,
          project_id: subject.projectId,
          body: JSON.stringify(subject.body),
          status: "pending",
          next_attempt_at: now,
          round_started_at: now,
          created_at: now,
        })),
      )
      .onConflict(["subscription_id", "event_key"])
      .ignore()
      .returning("id");
    return inserted.length;
  }
}

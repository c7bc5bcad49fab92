/**
 * The bus, declared once: every action (its params and its result), every durable channel
 * and every lossy event, by name. Callers are type-checked against it (libs/broker's `call`,
 * `callAs`, `broadcast`), and each service parses what it receives with the same schemas
 * (`serviceActions`, `channelHandlers`), so a buggy or hostile peer gets a 422, never a
 * handler running on a shape it did not expect.
 *
 * Params schemas describe the wire form: what the gateway made of a request, not the request.
 * Results are documented and typed here; the receiving side trusts them (a result is produced
 * by our own handler, and parsing every result would double the hot path's work).
 */
import { z } from "zod";
import { PROJECT_ROLES } from "../authz";
import { reminderDueEventSchema, taskEventSchema, TASK_CHANNELS, REMINDER_DUE_CHANNEL } from "./events";
import { notificationSchema } from "./notifications";
import { TASK_UNBLOCKED_CHANNEL, taskUnblockedEventSchema } from "./dependencies";
import { historyPageSchema } from "./history";
import { COMMENT_CHANNELS, COMMENT_MENTIONED_CHANNEL, commentEventSchema, commentMentionedEventSchema, commentSchema } from "./comments";
import {
  INVITATION_CREATED_CHANNEL,
  invitationCreatedEventSchema,
  invitedSchema,
  membershipSchema,
  MEMBER_ROLES,
  projectInput,
  projectInvitationSchema,
  PROJECT_MEMBERSHIP_CHANNEL,
  projectMembershipEventSchema,
  projectSchema,
} from "./projects";
import { MAX_QUICK_ADD_LENGTH, QUICK_ADD_LOCALES, quickAddResolvedSchema } from "./quick-add";
import { reminderInput, reminderSchema } from "./reminders";
import { listPageSchema, searchPageSchema } from "./search";
import { listTasksParams } from "./task-list-query";
import { completionSchema, createTaskInput, taskSchema, updateTaskInput } from "./tasks";
import { instant } from "./time";
import { syncPageSchema } from "./sync";
import { createdWebhookSchema, createWebhookInput, updateWebhookInput, webhookDeliverySchema, webhookSchema } from "./webhooks";
import { IMPORT_CHUNK_BYTES, IMPORT_FORMATS, importJobSchema } from "./imports";
import { email, phoneVerificationEventSchema, USER_CHANNELS, userDeletedEventSchema, userUpdatedEventSchema } from "./users";

/** A declared action: what it takes and what it answers. */
export interface ActionContract<P extends z.ZodType = z.ZodType, R extends z.ZodType = z.ZodType> {
  params: P;
  result: R;
  /**
   * Safe to send twice: it changes nothing. Such a call gets a short timeout and is retried on
   * another replica when one does not answer (libs/broker createBroker); a change never is, as
   * a timed-out change may have been made.
   */
  idempotent?: true;
}

const action = <P extends z.ZodType, R extends z.ZodType>(params: P, result: R): ActionContract<P, R> => ({ params, result });
/** An action that only reads (see `idempotent`). */
const read = <P extends z.ZodType, R extends z.ZodType>(params: P, result: R): ActionContract<P, R> => ({ params, result, idempotent: true });

const none = z.strictObject({});
const byId = z.strictObject({ id: z.uuid() });
const idempotencyKey = z.string().min(1).max(255).optional();
const expectedVersion = z.int().min(1).optional();
/** CalDAV's kept iCalendar text (migration 0013_dav_properties), opaque to tasks. */
const davProperties = z.string().max(65_536).optional();
/** What every change without a body of its own answers. */
export const done = z.object({ ok: z.literal(true) });
export const DONE = { ok: true } as const;
const page = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });
const health = z.looseObject({ ok: z.literal(true) });
const pageParams = z.strictObject({ limit: z.int().min(1).max(200), cursor: z.string().min(1).max(500).optional() });
const membership = z.object({ projectId: z.uuid(), role: z.enum(PROJECT_ROLES) });
const memberParams = byId.extend({ userId: z.uuid() });
const storedComment = commentSchema.omit({ authorName: true });

/**
 * A hot read's result as JSON text, for the gateway to write as is (issue 14): the answering service
 * serialises it once and the gateway neither parses nor serialises it again. `json` is the text
 * of the plain action's result (`tasks.getJson` of `tasks.get`, `tasks.listJson` of `tasks.list`,
 * `search.tasksJson` of `search.tasks`).
 */
const jsonText = z.object({ json: z.string() });
const searchParams = listTasksParams.extend({ q: z.string().min(1).max(200) });

export const ACTIONS = {
  /** `id` and `davProperties`: CalDAV's (services/gateway/caldav), which names its objects and keeps what tasks do not model. */
  "tasks.create": action(z.strictObject({ input: createTaskInput, idempotencyKey, id: z.uuid().optional(), davProperties }), taskSchema),
  "tasks.get": read(byId, taskSchema),
  /** `tasks.get` as JSON text, with the task's version for the ETag. */
  "tasks.getJson": read(byId, jsonText.extend({ version: z.int() })),
  /** For an export: the completions of these tasks that the caller may read. */
  "tasks.completionsOf": read(
    z.strictObject({ taskIds: z.array(z.uuid()).max(1000) }),
    z.object({ items: z.array(completionSchema.extend({ taskId: z.uuid() })) }),
  ),
  /** Delta sync (services/tasks/sync.ts): what changed for the caller after `since`. */
  "tasks.sync": read(z.strictObject({ since: z.string().min(1).max(1000).optional(), limit: z.int().min(1).max(1000) }), syncPageSchema),
  "tasks.update": action(byId.extend({ patch: updateTaskInput, expectedVersion, davProperties: davProperties.nullable() }), taskSchema),
  "tasks.remove": action(byId.extend({ expectedVersion, children: z.literal("delete").optional() }), done),
  "tasks.complete": action(
    byId.extend({ occurrenceAt: instant.optional(), children: z.enum(["complete", "refuse"]).optional() }),
    z.object({ task: taskSchema, completion: completionSchema }),
  ),
  "tasks.completions": action(byId, z.object({ items: z.array(completionSchema) })),
  "tasks.occurrences": action(byId.extend({ limit: z.int().min(1).max(100) }), z.object({ items: z.array(instant) })),
  "tasks.addReminder": action(byId.extend({ input: reminderInput, idempotencyKey }), reminderSchema),
  "tasks.removeReminder": action(byId.extend({ reminderId: z.uuid() }), done),
  "tasks.list": read(listTasksParams, listPageSchema),
  /** `tasks.list` as JSON text. */
  "tasks.listJson": read(listTasksParams, jsonText),
  /** Internal: every task by id, for `npm run reindex`; the gateway never routes to it. */
  "tasks.export": action(
    z.strictObject({ afterId: z.uuid().optional(), limit: z.int().min(1).max(5_000), withTotal: z.boolean().optional() }),
    z.object({ items: z.array(taskSchema), total: z.number().optional() }),
  ),
  /** Internal: every comment by id, as `comment.updated` events carry it, for `npm run reindex`; never routed. */
  "tasks.commentsForReindex": action(
    z.strictObject({ afterId: z.uuid().optional(), limit: z.int().min(1).max(5_000) }),
    z.object({ items: z.array(commentEventSchema) }),
  ),
  "tasks.health": read(none, health),
  /**
   * Quick add: a phrase read in the caller's zone (`timezone`, default theirs), its +Project
   * resolved among the caller's projects (or `projectId`'s members used, when the request
   * names one). The @name is answered as `assignee` with the ids it may mean, `memberIds`.
   */
  "tasks.parse": read(
    z.strictObject({
      text: z.string().min(1).max(MAX_QUICK_ADD_LENGTH),
      locale: z.enum(QUICK_ADD_LOCALES),
      projectId: z.uuid().nullable().optional(),
    }),
    quickAddResolvedSchema,
  ),
  "tasks.history": read(byId.extend(pageParams.shape), historyPageSchema),
  "tasks.projectHistory": read(byId.extend(pageParams.shape), historyPageSchema),
  "tasks.comments": read(byId.extend(pageParams.shape), page(storedComment)),
  /** `mentions`: the members the gateway found named in the text; tasks keeps those who may read the task. */
  "tasks.addComment": action(byId.extend({ text: z.string().min(1).max(10_000), mentions: z.array(z.uuid()).max(100), idempotencyKey }), storedComment),
  "tasks.editComment": action(
    byId.extend({ text: z.string().min(1).max(10_000), mentions: z.array(z.uuid()).max(100), expectedVersion }),
    storedComment,
  ),
  "tasks.removeComment": action(byId, done),
  /** The task a comment belongs to, for whoever may read it (the gateway resolves mentions against its members). */
  "tasks.commentTask": read(byId, z.object({ taskId: z.uuid() })),

  /** Imports (services/tasks/imports): a job is begun, its upload sent in chunks, then started (parsed: 422 for a file it cannot read). */
  "tasks.importBegin": action(
    z.strictObject({ format: z.enum(IMPORT_FORMATS), filename: z.string().max(255), size: z.int().min(0) }),
    z.object({ id: z.uuid() }),
  ),
  "tasks.importChunk": action(
    byId.extend({ seq: z.int().min(0).max(100_000), data: z.base64().max(Math.ceil(IMPORT_CHUNK_BYTES / 3) * 4) }),
    done,
  ),
  "tasks.importStart": action(byId, importJobSchema),
  "tasks.importGet": read(byId, importJobSchema),
  /** For an export: the comments on the caller's tasks and those they wrote, after the previous page's `next`. */
  "tasks.exportComments": read(
    z.strictObject({ after: z.string().regex(/^\d{1,19}$/).optional(), limit: z.int().min(1).max(1000) }),
    z.object({ items: z.array(storedComment), next: z.string().nullable() }),
  ),

  "projects.create": action(z.strictObject({ input: projectInput, idempotencyKey }), projectSchema),
  "projects.list": read(pageParams, page(projectSchema)),
  "projects.get": read(byId, projectSchema),
  "projects.rename": action(byId.extend(projectInput.shape), projectSchema),
  "projects.remove": action(byId, done),
  /** Members by id and role; the gateway adds their names and emails. */
  "projects.members": read(byId, z.object({ items: z.array(z.object({ userId: z.uuid(), role: z.enum(PROJECT_ROLES) })) })),
  "projects.changeRole": action(memberParams.extend({ role: z.enum(MEMBER_ROLES) }), done),
  "projects.removeMember": action(memberParams, done),
  /**
   * Invites `email` (lower-cased as it is parsed); `userId` is the account holding it, when
   * one does, so the invitee is told at once. The answer is the same either way.
   */
  "projects.invite": action(
    byId.extend({ email, role: z.enum(MEMBER_ROLES), userId: z.uuid().optional(), idempotencyKey }),
    invitedSchema,
  ),
  "projects.invitations": action(byId, z.object({ items: z.array(projectInvitationSchema) })),
  "projects.revokeInvitation": action(byId.extend({ invitationId: z.uuid() }), done),
  /** The caller's pending invitations, by their id or their account's email (which the gateway supplies). */
  "projects.myInvitations": action(
    z.strictObject({ email }),
    z.object({
      items: z.array(z.object({ id: z.uuid(), projectId: z.uuid(), projectName: z.string(), role: z.enum(MEMBER_ROLES), invitedById: z.uuid(), createdAt: instant })),
    }),
  ),
  "projects.acceptInvitation": action(byId.extend({ email }), membershipSchema),
  "projects.declineInvitation": action(byId.extend({ email }), done),
  /** A user's memberships, from which their abilities are built (libs/authz `authMetaFor`). */
  "projects.memberships": read(z.strictObject({ userId: z.uuid() }), z.array(membership)),
  /**
   * The recipient check of notifications, for a reminder.due without its task's project
   * (published before the event carried it): may this user see this task now?
   */
  "projects.canRead": read(z.strictObject({ taskId: z.uuid(), userId: z.uuid() }), z.boolean()),

  "search.tasks": read(searchParams, searchPageSchema),
  /** `search.tasks` as JSON text. */
  "search.tasksJson": read(searchParams, jsonText),
  "search.health": read(none, health),

  /** Re-arms a fired reminder occurrence (named by its event key) `minutes` from now. */
  "scheduler.snooze": action(
    z.strictObject({ key: z.string().min(1).max(200), minutes: z.int().min(1).max(7 * 24 * 60) }),
    z.object({ key: z.string(), fireAt: instant }),
  ),
  "scheduler.health": read(none, health),

  "notify.createTicket": action(none, z.object({ ticket: z.string(), expiresIn: z.int() })),
  "notify.list": read(
    z.strictObject({ unread: z.boolean().optional(), limit: z.int().min(1).max(200), cursor: z.string().min(1).max(200).optional() }),
    page(notificationSchema),
  ),
  "notify.get": read(byId, notificationSchema),
  "notify.markRead": action(byId, done),
  "notify.snooze": action(byId.extend({ minutes: z.int().min(1).max(7 * 24 * 60) }), z.object({ id: z.uuid(), snoozedUntil: instant })),
  /** Meta's GET verification handshake. */
  "notify.webhookHandshake": action(
    z.strictObject({ query: z.record(z.string(), z.unknown()) }),
    z.object({ status: z.union([z.literal(200), z.literal(403)]), body: z.string() }),
  ),
  /** A signed webhook POST; the raw body travels base64-encoded so the signature can be checked. */
  "notify.webhook": action(
    z.strictObject({ rawBody: z.base64().max(4 * 1024 * 1024), signature: z.string().max(200).optional() }),
    z.object({ statuses: z.int(), commands: z.int(), ignored: z.array(z.string()) }),
  ),
  /** A replica's stream server; the balancer picks which replica answers, spreading streams. */
  "notify.streamEndpoint": action(none, z.object({ url: z.string().optional() })),
  "notify.health": read(none, health),
  /** Outbound webhooks (services/notify/webhooks): the caller's subscriptions, 404 for anyone else's. */
  "notify.createWebhook": action(z.strictObject({ input: createWebhookInput, idempotencyKey }), createdWebhookSchema),
  "notify.listWebhooks": read(none, z.object({ items: z.array(webhookSchema) })),
  "notify.getWebhook": read(byId, webhookSchema),
  "notify.updateWebhook": action(byId.extend({ patch: updateWebhookInput }), webhookSchema),
  "notify.removeWebhook": action(byId, done),
  "notify.webhookDeliveries": read(byId.extend(pageParams.shape), page(webhookDeliverySchema)),
  "notify.redeliverWebhook": action(byId.extend({ deliveryId: z.uuid() }), done),
} as const satisfies Record<string, ActionContract>;

export type ActionName = keyof typeof ACTIONS;
/** The actions marked `idempotent`. */
export const IDEMPOTENT_ACTIONS: ReadonlySet<string> = new Set(
  Object.entries(ACTIONS as Record<string, ActionContract>).flatMap(([name, contract]) => (contract.idempotent ? [name] : [])),
);
/** What a caller sends. */
export type ParamsOf<A extends ActionName> = z.input<(typeof ACTIONS)[A]["params"]>;
/** What the handler works with, once the params are parsed. */
export type ParsedParamsOf<A extends ActionName> = z.output<(typeof ACTIONS)[A]["params"]>;
export type ResultOf<A extends ActionName> = z.output<(typeof ACTIONS)[A]["result"]>;
/** The services on the bus, by the prefix of their actions. */
type ServiceOf<A> = A extends `${infer S}.${string}` ? S : never;
export type BusService = ServiceOf<ActionName>;

/** Durable channels (JetStream in distributed mode): at least once, consumers idempotent. */
export const CHANNELS_ON_BUS = {
  [TASK_CHANNELS.created]: taskEventSchema,
  [TASK_CHANNELS.updated]: taskEventSchema,
  [TASK_CHANNELS.deleted]: taskEventSchema,
  [TASK_CHANNELS.completed]: taskEventSchema,
  [REMINDER_DUE_CHANNEL]: reminderDueEventSchema,
  [USER_CHANNELS.updated]: userUpdatedEventSchema,
  [USER_CHANNELS.phoneVerification]: phoneVerificationEventSchema,
  [USER_CHANNELS.deleted]: userDeletedEventSchema,
  [INVITATION_CREATED_CHANNEL]: invitationCreatedEventSchema,
  [PROJECT_MEMBERSHIP_CHANNEL]: projectMembershipEventSchema,
  [TASK_UNBLOCKED_CHANNEL]: taskUnblockedEventSchema,
  [COMMENT_MENTIONED_CHANNEL]: commentMentionedEventSchema,
  [COMMENT_CHANNELS.created]: commentEventSchema,
  [COMMENT_CHANNELS.updated]: commentEventSchema,
  [COMMENT_CHANNELS.deleted]: commentEventSchema,
} as const satisfies Record<string, z.ZodType>;
export type ChannelName = keyof typeof CHANNELS_ON_BUS;
export type PayloadOf<C extends ChannelName> = z.output<(typeof CHANNELS_ON_BUS)[C]>;

/** Plain Moleculer events: lossy, for what may be lost (cache invalidation, live fan-out). */
export const EVENTS_ON_BUS = {
  /** These users' accounts or memberships changed: every gateway drops what it kept of them. */
  "gateway.callersChanged": z.object({ userIds: z.array(z.uuid()) }),
  /** Every notify replica writes the notification to its own sockets. */
  "notify.fanout": z.object({ userId: z.uuid(), notification: notificationSchema }),
  /** An account was disabled: every notify replica ends that user's streams. */
  "notify.userDisabled": z.object({ userId: z.uuid() }),
} as const satisfies Record<string, z.ZodType>;
export type EventName = keyof typeof EVENTS_ON_BUS;
export type EventPayloadOf<E extends EventName> = z.output<(typeof EVENTS_ON_BUS)[E]>;

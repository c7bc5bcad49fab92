import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import type { ServiceBroker, ServiceSchema } from "moleculer";
import { authOf } from "../../libs/broker";
import { broadcast, call, channelHandlers, eventHandlers, serviceActions } from "../../libs/broker/bus";
import type { Clock } from "../../libs/clock";
import type { Config } from "../../libs/config";
import { CursorCodec } from "../../libs/task-query";
import {
  DONE,
  EventName,
  INVITATION_CREATED_CHANNEL,
  PROJECT_MEMBERSHIP_CHANNEL,
  REMINDER_DUE_CHANNEL,
  TASK_UNBLOCKED_CHANNEL,
  COMMENT_MENTIONED_CHANNEL,
  COMMENT_CHANNELS,
  NotificationDto,
  TASK_CHANNELS,
  USER_CHANNELS,
} from "../../libs/contracts";
import type { StreamEndpoint } from "../../libs/contracts/streams";
import type { TaskEvent } from "../../libs/contracts";
import { Db, ping } from "../../libs/db";
import { migrateSchema } from "../../libs/db/migrate";
import { ValidationError } from "../../libs/errors";
import { DeadLetters, migrateDeadLetters } from "../../libs/dead-letters";
import { closeHttpServer, Lifecycle } from "../../libs/lifecycle";
import { ContactStore } from "./contacts";
import { MembershipStore } from "./memberships";
import { migrations, NOTIFY_SCHEMA } from "./migrations";
import { NotificationStore } from "./notification-store";
import { sendVerificationCode } from "./phone-verification-sender";
import { SseHub } from "./sse/sse-hub";
import { createStreamHandler } from "./sse/stream-handler";
import { listenForStreams } from "./sse/stream-server";
import { StreamTickets } from "./sse/tickets";
import { inboundActions } from "./inbound-actions";
import { WakeableLoop } from "../../libs/loop";
import { CloudApiClient } from "./whatsapp/cloud-api-client";
import { RateLimiter } from "./whatsapp/rate-limiter";
import { verifyHandshake } from "./whatsapp/webhook";
import { WhatsAppDeliveries } from "./whatsapp-deliveries";
import { handleWebhook } from "./whatsapp-webhook";
import { createWebhooks } from "./webhooks";

export interface NotifyServiceDeps {
  db: Db;
  config: Config;
  clock: Clock;
  /** Shared with an in-process gateway, which then serves streams without a proxy hop. */
  streams: StreamEndpoint;
  /** On SIGTERM streams end first, with a retry hint, so HTTP draining does not wait on them. */
  lifecycle: Lifecycle;
}

/** Plain (lossy) broadcast: every notify replica writes the notification to its own sockets. */
export const FANOUT_EVENT = "notify.fanout" satisfies EventName;
/**
 * Plain broadcast: every notify replica ends a disabled user's streams. Lossy is enough: the
 * replica that consumed the user.updated closes its own first, and a stream that outlives a
 * lost broadcast can open no new one (tickets and tokens are checked against the contacts).
 */
export const USER_DISABLED_EVENT = "notify.userDisabled" satisfies EventName;

export function notifyService({ db, config, clock, streams, lifecycle }: NotifyServiceDeps): ServiceSchema {
  const store = new NotificationStore(db, clock, new CursorCodec(config.cursorSecret, clock));
  const contacts = new ContactStore(db);
  const members = new MembershipStore(db);
  const isDisabled = (userId: string) => contacts.isDisabled(userId);
  const tickets = new StreamTickets(db, clock, { perMinute: config.streamTicketsPerMinute, isDisabled });
  const hub = new SseHub(undefined, config.streamsPerUser);
  const deadLetters = new DeadLetters(db, NOTIFY_SCHEMA, clock);
  lifecycle.onDrain(async () => {
    hub.closeAll();
    if (server) await closeHttpServer(server, config.shutdownTimeoutMs);
  });
  let server: Server | undefined;
  let broker: ServiceBroker | undefined;
  let advertised: string | undefined;
  let whatsappLoop: WakeableLoop | undefined;
  let whatsapp: WhatsAppDeliveries | undefined;
  const sender = config.whatsapp.sender;
  const client = sender ? new CloudApiClient({ apiUrl: config.whatsapp.apiUrl, token: sender.token, phoneNumberId: sender.phoneNumberId, clock }) : undefined;
  const limiter = new RateLimiter({ ratePerSecond: config.whatsapp.ratePerSecond, clock });
  // Outbound webhooks (services/notify/webhooks): task and comment events become signed deliveries.
  const webhooks = createWebhooks({
    db,
    clock,
    config: config.webhooks,
    cursors: new CursorCodec(config.cursorSecret, clock),
    readCheck: (taskId, userId) => call(broker!, "projects.canRead", { taskId, userId }),
    onDisabled: async (sub) => {
      const { notification, created } = await store.recordWebhookDisabled(sub);
      if (created) await broadcast(broker!, FANOUT_EVENT, { userId: sub.userId, notification }, "notify");
    },
    onError: (err) => broker?.getLogger("notify").warn("webhook delivery failed, will retry", err),
  });
  const onTaskEvent = (event: TaskEvent) => webhooks.delivered(webhooks.fanOut.onTask(event));

  /** A notice about a task: the same recipient checks as a reminder's (an enabled account that still sees the task). */
  const taskNotice = async (
    event: { recipientId: string; projectId: string | null; ownerId: string },
    record: () => Promise<{ notification: NotificationDto; created: boolean }>,
  ): Promise<void> => {
    if (await contacts.isDisabled(event.recipientId)) return;
    if (!(await members.mayRead(event))) return;
    const { notification, created } = await record();
    if (!created) return;
    whatsappLoop?.poke();
    await broadcast(broker!, FANOUT_EVENT, { userId: event.recipientId, notification }, "notify");
  };

  return {
    name: "notify",
    channels: channelHandlers(
      "notify",
      {
        [REMINDER_DUE_CHANNEL]: async (event) => {
          // A disabled account is no recipient: nothing is recorded for it, on any channel.
          if (await contacts.isDisabled(event.recipientId)) return;
          // The recipient check: nobody is told about a task they may no longer see. Answered
          // from notify's own members, so reminders keep coming while tasks is down; only an
          // event planned before it carried the task's project still asks tasks.
          const mayRead = (await members.mayRead(event)) ?? (await call(broker!, "projects.canRead", { taskId: event.taskId, userId: event.recipientId }));
          if (!mayRead) return;
          const { notification, created } = await store.record(event);
          if (!created) return;
          if (event.channels.includes("whatsapp")) whatsappLoop?.poke();
          if (event.channels.includes("sse")) await broadcast(broker!, FANOUT_EVENT, { userId: event.recipientId, notification }, "notify");
        },
        [USER_CHANNELS.updated]: async (event) => {
          await contacts.apply(event);
          // A redelivery of the newest snapshot closes again (closing is idempotent); an older
          // one, superseded by a re-enable, does not cut the streams of an enabled user.
          if (event.disabled && (await contacts.isDisabled(event.userId))) {
            hub.disconnect(event.userId);
            await broadcast(broker!, USER_DISABLED_EVENT, { userId: event.userId }, "notify");
          }
        },
        [USER_CHANNELS.deleted]: async (event) => {
          await webhooks.subscriptions.erase(event.userId);
          await contacts.erase(event.userId);
          hub.disconnect(event.userId);
          await broadcast(broker!, USER_DISABLED_EVENT, { userId: event.userId }, "notify");
        },
        [USER_CHANNELS.phoneVerification]: async (event) => {
          await sendVerificationCode(event, { config: config.whatsapp, client, limiter, clock, logger: broker!.getLogger("notify") });
        },
        [PROJECT_MEMBERSHIP_CHANNEL]: async (event) => {
          await members.apply(event);
        },
        [TASK_UNBLOCKED_CHANNEL]: (event) => taskNotice(event, () => store.recordUnblocked(event)),
        [COMMENT_MENTIONED_CHANNEL]: (event) => taskNotice(event, () => store.recordMention(event)),
        [INVITATION_CREATED_CHANNEL]: async (event) => {
          const { notification, created } = await store.recordInvitation(event);
          if (created) await broadcast(broker!, FANOUT_EVENT, { userId: event.recipientId, notification }, "notify");
        },
        [TASK_CHANNELS.created]: onTaskEvent,
        [TASK_CHANNELS.updated]: onTaskEvent,
        [TASK_CHANNELS.completed]: onTaskEvent,
        [TASK_CHANNELS.deleted]: onTaskEvent,
        [COMMENT_CHANNELS.created]: (event) => webhooks.delivered(webhooks.fanOut.onComment(event)),
      },
      {
        // A consumer created after users already exist (a new deployment of notify, a
        // fresh JetStream consumer) reads the stream from its start: snapshots are
        // idempotent, and the projection is complete only with every user's latest.
        [USER_CHANNELS.updated]: { nats: { consumerOptions: { config: { deliver_policy: "all" } } } },
        // The same for members: the tasks migration published every existing membership once.
        [PROJECT_MEMBERSHIP_CHANNEL]: { nats: { consumerOptions: { config: { deliver_policy: "all" } } } },
      },
      deadLetters,
    ),
    events: eventHandlers({
      [FANOUT_EVENT]: async ({ userId, notification }) => {
        if (hub.publish(userId, notification) > 0) await store.markStreamed([notification.id]);
      },
      [USER_DISABLED_EVENT]: ({ userId }) => hub.disconnect(userId),
    }),
    actions: serviceActions("notify", {
      createTicket: (_p, ctx) => tickets.issue(authOf(ctx).userId),
      list: (p, ctx) => store.list(authOf(ctx).userId, p),
      get: (p, ctx) => store.get(authOf(ctx).userId, p.id),
      markRead: async (p, ctx) => {
        await store.markRead(authOf(ctx).userId, p.id);
        return DONE;
      },
      snooze: async (p, ctx) => {
        const row = await store.row(authOf(ctx).userId, p.id);
        if (row.kind !== "reminder") throw new ValidationError("Only a reminder can be snoozed", [{ path: "params.id", message: "is an invitation" }]);
        const armed = await call(ctx, "scheduler.snooze", { key: row.key, minutes: p.minutes });
        return { id: row.id, snoozedUntil: armed.fireAt };
      },
      webhookHandshake: (p) => verifyHandshake(p.query, config.whatsapp.verifyToken),
      webhook: (p, ctx) =>
        handleWebhook(Buffer.from(p.rawBody, "base64"), p.signature, config.whatsapp, whatsapp!, inboundActions(db, contacts, ctx.broker)),
      streamEndpoint: () => ({ url: advertised }),
      createWebhook: (p, ctx) => webhooks.subscriptions.create(authOf(ctx), p.input, p.idempotencyKey),
      listWebhooks: (_p, ctx) => webhooks.subscriptions.list(authOf(ctx).userId),
      getWebhook: (p, ctx) => webhooks.subscriptions.get(authOf(ctx).userId, p.id),
      updateWebhook: (p, ctx) => webhooks.subscriptions.update(authOf(ctx).userId, p.id, p.patch),
      removeWebhook: async (p, ctx) => {
        await webhooks.subscriptions.remove(authOf(ctx).userId, p.id);
        return DONE;
      },
      webhookDeliveries: (p, ctx) => webhooks.subscriptions.deliveries(authOf(ctx).userId, p.id, p.limit, p.cursor),
      redeliverWebhook: async (p, ctx) => {
        await webhooks.subscriptions.redeliver(authOf(ctx).userId, p.id, p.deliveryId);
        webhooks.poke();
        return DONE;
      },
      health: async () => {
        await ping(db);
        return { ok: true, streams: hub.size };
      },
    }),
    created() {
      broker = this.broker;
    },
    async started() {
      await migrateSchema(db, NOTIFY_SCHEMA, migrations);
      await migrateDeadLetters(db, NOTIFY_SCHEMA);
      whatsapp = new WhatsAppDeliveries(db, clock, config.whatsapp, client, limiter, (ids) => contacts.recipients(ids));
      whatsappLoop = new WakeableLoop(() => whatsapp!.runOnce(), (err) => this.logger.warn("whatsapp delivery failed, will retry", err), 5_000);
      whatsappLoop.start();
      webhooks.start();
      const handler = createStreamHandler({
        hub,
        store,
        tickets,
        jwtSecret: config.jwtSecret,
        isDisabled,
        onError: (err) => this.logger.error("stream failed", err),
      });
      if (config.services.includes("gateway")) {
        streams.local = handler;
        return;
      }
      server = await listenForStreams(handler, config.notifyPort, config.host);
      const port = (server.address() as AddressInfo).port;
      advertised = config.notifyAdvertiseUrl ?? `http://${config.host === "0.0.0.0" ? ownAddress() : config.host}:${port}`;
      this.logger.info(`notification streams on ${advertised}`);
    },
    async stopped() {
      hub.closeAll();
      await whatsappLoop?.stop();
      await webhooks.stop();
      streams.local = undefined;
      if (server) await new Promise<void>((resolve) => server!.close(() => resolve()));
    },
  };
}

/** This host's first external IPv4 address (a pod's or a container's), where the gateway can reach it. */
function ownAddress(): string {
  for (const addresses of Object.values(os.networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === "IPv4" && !a.internal) return a.address;
  }
  return os.hostname();
}

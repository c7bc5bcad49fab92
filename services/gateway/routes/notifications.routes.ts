import { z } from "zod";
import { call } from "../../../libs/broker/bus";
import { LATE_AFTER_MS, listNotificationsQuery, notificationSchema, snoozeInput } from "../../../libs/contracts";
import { STREAM_PATH, type StreamEndpoint } from "../../../libs/contracts/streams";
import { UnavailableError, ValidationError } from "../../../libs/errors";
import { proxyStream } from "../http/stream-proxy";
import { idParams, route, RouteDef } from "../http/route";
import { callAs, GatewayContext } from "./context";
import { problemResponses } from "./problems";

const tag = "notifications";
const streamQuery = z.strictObject({
  ticket: z.string().min(1).max(200).optional().meta({ description: "single-use ticket from POST /notifications/ticket" }),
  lastEventId: z.uuid().optional().meta({ description: "for clients that cannot send the Last-Event-ID header" }),
});

export function notificationRoutes(ctx: GatewayContext, streams: StreamEndpoint): RouteDef[] {
  return [
    route({
      method: "get", path: "/notifications/stream", tag, auth: "optional", raw: true,
      summary:
        "Server-Sent Events: each notification as `id`/`event: reminder`/`data`; Last-Event-ID replays up to 7 days. " +
        "At most STREAMS_PER_USER (default 20) open streams per user on each notify replica. A disabled account's streams end within a second",
      query: streamQuery,
      description: "A `Last-Event-ID` header is held to the same rule as the `lastEventId` parameter: a notification id (UUID), else 422.",
      headers: [{ name: "Last-Event-ID", description: "resume after this notification id (a UUID; anything else answers 422)" }],
      responses: {
        200: { description: "An event stream", contentType: "text/event-stream", schema: z.string() },
        ...problemResponses(401, 422),
        429: { ...problemResponses(429)[429]!, description: "The user already holds STREAMS_PER_USER open streams here; `Retry-After` says when to try again" },
      },
      handle: async ({ req, res }) => {
        const lastEventId = req.get("last-event-id");
        if (lastEventId !== undefined && !z.uuid().safeParse(lastEventId).success) {
          throw new ValidationError("Invalid headers", [{ path: "header.Last-Event-ID", message: "must be a notification id (UUID)" }]);
        }
        // The same public path in every mode: in-process when notify runs here, else proxied to a replica.
        if (streams.local) {
          await streams.local(req, res);
          return { status: 200 };
        }
        const endpoint = await call(ctx.broker, "notify.streamEndpoint", {}).catch(() => ({ url: undefined }));
        if (!endpoint.url) throw new UnavailableError("no notification stream server is reachable");
        await proxyStream(req, res, endpoint.url, STREAM_PATH + (req.url?.includes("?") ? req.url.slice(req.url.indexOf("?")) : ""));
        return { status: 200 };
      },
    }),
    route({
      method: "post", path: "/notifications/ticket", tag, auth: true,
      summary:
        "A single-use, 60-second ticket for `stream?ticket=` (EventSource cannot send headers). At most STREAM_TICKETS_PER_MINUTE " +
        "(default 30) a minute per user. A disabled account gets none, and one issued before it was disabled is refused",
      responses: {
        201: { description: "Ticket", schema: z.object({ ticket: z.string(), expiresIn: z.int() }) },
        ...problemResponses(401, 403),
        429: { ...problemResponses(429)[429]!, description: "STREAM_TICKETS_PER_MINUTE reached; `Retry-After` says when the oldest ticket frees a slot" },
      },
      handle: async ({ auth }) => ({ status: 201, body: await callAs(ctx, auth, "notify.createTicket", {}) }),
    }),
    route({
      method: "get", path: "/notifications", tag, auth: true,
      summary:
        `The caller's notifications, newest first. \`late\`: delivered more than ${LATE_AFTER_MS / 1000} s after \`fireAt\`. A WhatsApp delivery over ` +
        "WHATSAPP_SENDS_PER_USER_PER_DAY is `skipped` with the reason in `lastError`",
      query: listNotificationsQuery,
      responses: {
        200: { description: "A page", schema: z.object({ items: z.array(notificationSchema), nextCursor: z.string().nullable() }) },
        ...problemResponses(401, 422),
      },
      handle: async ({ auth, query }) => ({ status: 200, body: await callAs(ctx, auth, "notify.list", query) }),
    }),
    route({
      method: "post", path: "/notifications/:id/read", tag, auth: true,
      summary: "Mark a notification read",
      params: idParams,
      responses: { 204: { description: "Read" }, ...problemResponses(401, 404, 422) },
      handle: async ({ auth, params }) => {
        await callAs(ctx, auth, "notify.markRead", { id: params.id });
        return { status: 204 };
      },
    }),
    route({
      method: "post", path: "/notifications/:id/snooze", tag, auth: true,
      summary:
        "Fire the reminder again after `minutes` (moves the reminder, never the task). A notification has at most one pending " +
        "snooze: a new one replaces it",
      params: idParams,
      body: snoozeInput,
      responses: {
        200: { description: "Snoozed", schema: z.object({ id: z.uuid(), snoozedUntil: z.string() }) },
        ...problemResponses(401, 404, 422),
      },
      handle: async ({ auth, params, body }) => ({
        status: 200,
        body: await callAs(ctx, auth, "notify.snooze", { id: params.id, minutes: body.minutes }),
      }),
    }),
  ];
}

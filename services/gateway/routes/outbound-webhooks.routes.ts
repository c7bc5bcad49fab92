import { z } from "zod";
import { createdWebhookSchema, createWebhookInput, updateWebhookInput, webhookDeliverySchema, webhookSchema } from "../../../libs/contracts";
import { IDEMPOTENCY_HEADER, idempotencyKeyOf } from "../http/idempotency";
import { idParams, route, RouteDef } from "../http/route";
import { callAs, GatewayContext } from "./context";
import { pagedReadRoute } from "./paged-read";
import { problemResponse, problemResponses } from "./problems";

const tag = "webhooks";

const DELIVERY_DOC = [
  "Each matching event is POSTed to the URL as `{type, timestamp, data}` (`data`: the task as `GET /tasks/{id}` shows it;",
  "for `task.deleted` `{id, ownerId, projectId, version, deletedAt}`; for `comment.created` the comment, without `authorName`),",
  "signed per the Standard Webhooks specification: `webhook-id` (the delivery's id, the same on every attempt: deduplicate on it),",
  "`webhook-timestamp` (seconds) and `webhook-signature: v1,<base64 HMAC-SHA256 of id.timestamp.body with the secret>`;",
  "verify with any standardwebhooks library and the `whsec_` secret.",
  "A 2xx answered within the timeout (10 s by default) is a success; anything else, a redirect included (redirects are not followed), is retried",
  "with exponential backoff and ±20 % jitter (5 s, 30 s, 2 min, 10 min, 1 h, 3 h, 6 h, 12 h) for up to 24 h after the first attempt, then the delivery fails.",
  "After 5 deliveries in a row fail for good the subscription is disabled and its owner gets a notification of kind `webhook.disabled`;",
  "`PATCH {enabled: true}` turns it back on.",
  "Who gets what: a subscription without `projectId` gets the events of the tasks its owner owns, while the owner may read them",
  "(a personal task, or one in a project they are still a member of); one with `projectId` gets the events of that project's tasks",
  "while its owner is still a member. Nothing is sent about a task the subscriber may not read when the event is handled or when it is sent.",
  "URLs are http(s) only; a host resolving to a private, loopback, link-local, unique-local, CGNAT, multicast or unspecified address is refused (422),",
  "unless the operator lists it in `WEBHOOK_ALLOWED_HOSTS`; the check is repeated at every attempt, against the address connected to.",
  "Personal access tokens need `webhooks:write` for every webhook route, reads included.",
].join(" ");

/** Outbound webhooks (issue 18): the caller's subscriptions and their delivery logs, kept and sent by notify. */
export function outboundWebhookRoutes(ctx: GatewayContext): RouteDef[] {
  return [
    route({
      method: "post", path: "/webhooks", tag, auth: true,
      summary: "Subscribe a URL to task and comment events; the signing secret is shown once",
      description: `${DELIVERY_DOC} \`projectId\` needs the project's owner: 403 for its editors and viewers, 404 for anyone else. At most 25 subscriptions per user (409 beyond).`,
      body: createWebhookInput,
      headers: [IDEMPOTENCY_HEADER],
      responses: {
        201: { description: "The subscription, with its secret this once", schema: createdWebhookSchema },
        ...problemResponses(401, 404, 409, 422),
        ...problemResponse(403, "Not the project's owner, or a personal access token without webhooks:write"),
      },
      handle: async ({ auth, body, header }) => ({
        status: 201,
        body: await callAs(ctx, auth, "notify.createWebhook", { input: body, idempotencyKey: idempotencyKeyOf(header) }),
      }),
    }),
    route({
      method: "get", path: "/webhooks", tag, auth: true,
      summary: "The caller's webhook subscriptions, newest first (never their secrets)",
      responses: { 200: { description: "Subscriptions", schema: z.object({ items: z.array(webhookSchema) }) }, ...problemResponses(401, 403) },
      handle: async ({ auth }) => ({ status: 200, body: await callAs(ctx, auth, "notify.listWebhooks", {}) }),
    }),
    route({
      method: "get", path: "/webhooks/:id", tag, auth: true,
      summary: "One of the caller's webhook subscriptions (404 for anyone else's)",
      params: idParams,
      responses: { 200: { description: "The subscription", schema: webhookSchema }, ...problemResponses(401, 403, 404, 422) },
      handle: async ({ auth, params }) => ({ status: 200, body: await callAs(ctx, auth, "notify.getWebhook", { id: params.id }) }),
    }),
    route({
      method: "patch", path: "/webhooks/:id", tag, auth: true,
      summary: "Change a subscription's URL or events, or disable or re-enable it",
      description: "`enabled: true` on a disabled subscription resets its run of failures; deliveries that failed meanwhile stay failed (redeliver them one by one). A new URL is checked as at creation (422).",
      params: idParams,
      body: updateWebhookInput,
      responses: { 200: { description: "The subscription", schema: webhookSchema }, ...problemResponses(401, 403, 404, 422) },
      handle: async ({ auth, params, body }) => ({ status: 200, body: await callAs(ctx, auth, "notify.updateWebhook", { id: params.id, patch: body }) }),
    }),
    route({
      method: "delete", path: "/webhooks/:id", tag, auth: true,
      summary: "Delete a subscription and its delivery log; nothing more is sent",
      params: idParams,
      responses: { 204: { description: "Deleted" }, ...problemResponses(401, 403, 404, 422) },
      handle: async ({ auth, params }) => {
        await callAs(ctx, auth, "notify.removeWebhook", { id: params.id });
        return { status: 204 };
      },
    }),
    pagedReadRoute(ctx, {
      path: "/webhooks/:id/deliveries", tag, action: "notify.webhookDeliveries", problems: [401, 403, 404, 422],
      summary: "A subscription's delivery log, newest first",
      description: "`status` is `pending` (not yet sent, or waiting for its next retry at `nextAttemptAt`), `succeeded` or `failed` (for good); `responseStatus`, `durationMs` and `lastError` describe the last attempt.",
      page: { description: "A page of deliveries", schema: z.object({ items: z.array(webhookDeliverySchema), nextCursor: z.string().nullable() }) },
    }),
    route({
      method: "post", path: "/webhooks/:id/deliveries/:deliveryId/redeliver", tag, auth: true,
      summary: "Send a delivery again, whatever its status: same webhook-id and body, a fresh retry schedule",
      params: z.strictObject({ id: z.uuid(), deliveryId: z.uuid() }),
      responses: {
        202: { description: "Queued", schema: z.object({ queued: z.literal(true) }) },
        ...problemResponses(401, 403, 404, 422),
        ...problemResponse(409, "The subscription is disabled: enable it first"),
      },
      handle: async ({ auth, params }) => {
        await callAs(ctx, auth, "notify.redeliverWebhook", { id: params.id, deliveryId: params.deliveryId });
        return { status: 202, body: { queued: true } };
      },
    }),
  ];
}

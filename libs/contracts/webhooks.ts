import { z } from "zod";
import { instant } from "./time";

/** What a subscription may ask for: the task channels, and a comment written. */
export const WEBHOOK_EVENTS = ["task.created", "task.updated", "task.completed", "task.deleted", "comment.created"] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

export const WEBHOOK_DELIVERY_STATUSES = ["pending", "succeeded", "failed"] as const;
export type WebhookDeliveryStatus = (typeof WEBHOOK_DELIVERY_STATUSES)[number];

const url = z
  .string()
  .trim()
  .max(2000)
  .pipe(z.url({ protocol: /^https?$/, message: "must be an http or https URL" }))
  .meta({ description: "http(s) URL the events are POSTed to; its host must not resolve to a private, loopback or link-local address" });
const events = z
  .array(z.enum(WEBHOOK_EVENTS))
  .min(1)
  .max(WEBHOOK_EVENTS.length * 2)
  .transform((list) => [...new Set(list)]);

export const createWebhookInput = z
  .strictObject({
    url,
    events,
    projectId: z.uuid().optional().meta({ description: "deliver the events of this project's tasks (its owner only); absent: of the tasks the caller owns" }),
  })
  .meta({ id: "CreateWebhook" });

export const updateWebhookInput = z
  .strictObject({
    url: url.optional(),
    events: events.optional(),
    enabled: z.boolean().optional().meta({ description: "true re-enables a disabled subscription and resets its run of failures" }),
  })
  .meta({ id: "UpdateWebhook" });

export const webhookSchema = z
  .object({
    id: z.uuid(),
    url: z.string(),
    events: z.array(z.enum(WEBHOOK_EVENTS)),
    projectId: z.uuid().nullable(),
    enabled: z.boolean(),
    /** Why it was disabled, when the server disabled it. */
    disabledReason: z.string().nullable(),
    /** Deliveries in a row that failed for good (reset by a success or by re-enabling). */
    consecutiveFailures: z.int(),
    createdAt: instant,
    updatedAt: instant,
  })
  .meta({ id: "Webhook" });
export type WebhookDto = z.infer<typeof webhookSchema>;

export const createdWebhookSchema = webhookSchema
  .extend({ secret: z.string().meta({ description: "`whsec_` + base64 of 32 random bytes: the Standard Webhooks signing secret, shown this once" }) })
  .meta({ id: "CreatedWebhook" });

export const webhookDeliverySchema = z
  .object({
    id: z.uuid().meta({ description: "also the `webhook-id` header of every attempt of this delivery" }),
    event: z.enum(WEBHOOK_EVENTS),
    status: z.enum(WEBHOOK_DELIVERY_STATUSES),
    attempts: z.int(),
    responseStatus: z.int().nullable().meta({ description: "the HTTP status of the last attempt; null when it got none (refused, timed out)" }),
    durationMs: z.int().nullable().meta({ description: "how long the last attempt took" }),
    lastError: z.string().nullable(),
    nextAttemptAt: instant.nullable(),
    createdAt: instant,
    lastAttemptAt: instant.nullable(),
  })
  .meta({ id: "WebhookDelivery" });
export type WebhookDeliveryDto = z.infer<typeof webhookDeliverySchema>;

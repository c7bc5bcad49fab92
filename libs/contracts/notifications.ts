import { z } from "zod";
import { CHANNELS } from "./reminders";
import { instant } from "./time";

/**
 * A reminder that came due, an invitation to a project waiting for an answer, or a task
 * whose last blocker was completed (`unblocked`), or a comment that mentions the user (`mention`), with its taskId;
 * or one of the user's webhook subscriptions disabled after a run of failed deliveries (`webhook.disabled`, no task).
 */
export const NOTIFICATION_KINDS = ["reminder", "invitation", "unblocked", "mention", "webhook.disabled"] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export const DELIVERY_STATUSES = ["pending", "sent", "delivered", "read", "failed", "skipped"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * A notification delivered (recorded by notify) more than this long after its `fireAt` is
 * `late`: the scheduler was down or behind, or the event sat in a queue. Running normally a
 * reminder is recorded well under a second after its time (the scheduler sleeps until the next
 * one is due, the relay publishes at once, notify records on receipt), so 5 s never marks an
 * ordinary one, and flags any that waited out a crash or an outage of a few seconds or more.
 */
export const LATE_AFTER_MS = 5_000;

export const notificationSchema = z
  .object({
    id: z.uuid(),
    kind: z.enum(NOTIFICATION_KINDS),
    /** The reminder's task; null for an invitation. */
    taskId: z.uuid().nullable(),
    /** Null for an invitation. */
    reminderId: z.uuid().nullable(),
    title: z.string(),
    dueAt: instant.nullable(),
    /** When the reminder was due to fire; null for an invitation. */
    fireAt: instant.nullable(),
    /** The invitation to answer (POST /invitations/{id}/accept); null for a reminder. */
    invitationId: z.uuid().nullable(),
    /** The project an invitation is to; null for a reminder. */
    projectId: z.uuid().nullable(),
    createdAt: instant,
    readAt: instant.nullable(),
    late: z.boolean().meta({ description: `delivered more than ${LATE_AFTER_MS / 1000} s after fireAt (the scheduler or the bus was down or behind)` }),
    deliveries: z.array(
      z.object({
        channel: z.enum(CHANNELS),
        status: z.enum(DELIVERY_STATUSES),
        attempts: z.int(),
        lastError: z.string().nullable(),
      }),
    ),
  })
  .meta({ id: "Notification" });
export type NotificationDto = z.infer<typeof notificationSchema>;

export const listNotificationsQuery = z.strictObject({
  unread: z.enum(["true", "false"]).transform((v) => v === "true").optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).max(200).optional(),
});
export type ListNotificationsQuery = z.output<typeof listNotificationsQuery>;

export const snoozeInput = z.strictObject({ minutes: z.int().min(1).max(7 * 24 * 60) }).meta({ id: "Snooze" });

import { z } from "zod";
import { CHANNELS } from "./reminders";
import { instant } from "./time";

export const DELIVERY_STATUSES = ["pending", "sent", "delivered", "read", "failed", "skipped"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * A notification delivered (recorded by notify) more than this long after its `fireAt` is
 * `late`: the scheduler was down or behind, or the event sat in a queue.
 */
export const LATE_AFTER_MS = 60_000;

export const notificationSchema = z
  .object({
    id: z.uuid(),
    kind: z.literal("reminder"),
    taskId: z.uuid(),
    reminderId: z.uuid(),
    title: z.string(),
    dueAt: instant.nullable(),
    fireAt: instant,
    createdAt: instant,
    readAt: instant.nullable(),
    /** Delivered more than LATE_AFTER_MS (60 s) after fireAt. */
    late: z.boolean(),
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

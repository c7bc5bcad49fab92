import { z } from "zod";
import { ISO_DURATION, readOffset } from "../time";
import { instant } from "./time";

export const CHANNELS = ["sse", "whatsapp"] as const;
export type Channel = (typeof CHANNELS)[number];

/** A task holds at most this many reminders, however they are added. */
export const MAX_REMINDERS = 20;

/**
 * ISO 8601 duration, optionally negative ("-PT15M" = 15 minutes before the due date). Read
 * by libs/time's parser, the one the scheduler applies, so the API accepts exactly what
 * can fire; the pattern only documents it.
 */
export const isoDuration = z
  .string()
  .superRefine((text, ctx) => {
    const read = readOffset(text);
    if ("error" in read) ctx.addIssue({ code: "custom", message: read.error });
  })
  .meta({ example: "-PT15M", pattern: ISO_DURATION.source });

const channels = z
  .array(z.enum(CHANNELS))
  .min(1)
  .transform((c) => [...new Set(c)]);

export const reminderInput = z
  .strictObject({
    id: z.uuid().optional().meta({ description: "keep an existing reminder's id when replacing the list" }),
    offset: isoDuration.optional(),
    at: instant.optional(),
    channels: channels.default(["sse"]),
  })
  .refine((r) => (r.offset === undefined) !== (r.at === undefined), "give exactly one of offset and at")
  .meta({ id: "ReminderInput" });
export type ReminderInput = z.output<typeof reminderInput>;

export const reminderSchema = z
  .object({
    id: z.uuid(),
    offset: z.string().optional(),
    at: instant.optional(),
    channels: z.array(z.enum(CHANNELS)),
  })
  .meta({ id: "Reminder" });
export type ReminderDto = z.infer<typeof reminderSchema>;

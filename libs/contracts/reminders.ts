import { z } from "zod";
import { instant } from "./time";

export const CHANNELS = ["sse", "whatsapp"] as const;
export type Channel = (typeof CHANNELS)[number];

/** ISO 8601 duration, optionally negative ("-PT15M" = 15 minutes before the due date). */
export const isoDuration = z
  .string()
  .regex(/^-?P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$/, "must be an ISO 8601 duration such as -PT15M or -P1D")
  .meta({ example: "-PT15M" });

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

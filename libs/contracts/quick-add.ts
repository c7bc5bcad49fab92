/** Quick add (POST /tasks/parse, POST /tasks with quickAdd): what goes in and what comes back. */
import { z } from "zod";
import { CHANNELS } from "./reminders";
import { PRIORITIES } from "./tasks";
import { instant } from "./time";

export const QUICK_ADD_LOCALES = ["en", "de"] as const;
export type QuickAddLocale = (typeof QUICK_ADD_LOCALES)[number];
/** Longest phrase read: a title is at most 500 characters, and the rest is a few words. */
export const MAX_QUICK_ADD_LENGTH = 1000;
export const SPAN_FIELDS = ["title", "dueAt", "recurrence", "tags", "priority", "projectId", "assigneeId", "reminders"] as const;

export const quickAddText = z.string().min(1).max(MAX_QUICK_ADD_LENGTH).meta({
  description: "the phrase, e.g. \"Pay rent every 1st at 9am #home !high\" (grammar: see the route's description)",
  examples: ["Pay rent every 1st at 9am #home !high", "Call Ada tomorrow 5pm +\"Big Project\" @ada remind me 30 min before"],
});
export const quickAddLocale = z.enum(QUICK_ADD_LOCALES).meta({ description: "language of the phrase; default: the first of Accept-Language that is supported, else en" });

export const parseTaskInput = z.strictObject({ text: quickAddText, locale: quickAddLocale.optional() }).meta({ id: "ParseTask" });

const span = z.object({ start: z.int().min(0), end: z.int().min(0), field: z.enum(SPAN_FIELDS) }).meta({
  description: "the characters text.slice(start, end) that gave `field` (UTF-16 code units, end exclusive)",
});

export const quickAddFieldsSchema = z.object({
  title: z.string(),
  dueAt: instant.optional(),
  recurrence: z
    .object({ rrule: z.string(), timezone: z.string(), from: z.enum(["due", "completion"]), exdates: z.array(z.string()), text: z.string() })
    .optional(),
  tags: z.array(z.string()).optional(),
  priority: z.enum(PRIORITIES).optional(),
  projectId: z.uuid().optional(),
  assigneeId: z.uuid().optional(),
  reminders: z.array(z.object({ offset: z.string().optional(), at: instant.optional(), channels: z.array(z.enum(CHANNELS)) })).optional(),
});

export const quickAddSchema = z
  .object({ fields: quickAddFieldsSchema, spans: z.array(span), ambiguities: z.array(z.string()) })
  .meta({ id: "QuickAddParse" });
export type QuickAddDto = z.infer<typeof quickAddSchema>;

/** The bus answer: the parse with its +Project resolved, and the @name left to the gateway (which holds the names). */
export const quickAddResolvedSchema = quickAddSchema.extend({
  assignee: z.object({ name: z.string(), start: z.int(), end: z.int() }).optional(),
  memberIds: z.array(z.uuid()),
});

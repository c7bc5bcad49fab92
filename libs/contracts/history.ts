import { z } from "zod";
import { instant } from "./time";

/** One recorded change (issue 17): who, when, what, each field from → to. */
export const historyItemSchema = z
  .object({
    id: z.string(),
    at: instant,
    actorId: z.uuid().nullable().meta({ description: "who made the change; null for the system" }),
    taskId: z.uuid().nullable().meta({ description: "the task; null for a membership change" }),
    userId: z.uuid().nullable().meta({ description: "the member a membership change concerns; null otherwise" }),
    action: z.string().meta({
      description: "created | updated | completed | moved | deleted | commented | member.added | member.changed | member.removed",
    }),
    changes: z.array(z.object({ field: z.string(), from: z.unknown(), to: z.unknown() })),
  })
  .meta({ id: "HistoryItem" });
export type HistoryItemDto = z.infer<typeof historyItemSchema>;

export const historyPageSchema = z.object({ items: z.array(historyItemSchema), nextCursor: z.string().nullable() });
export type HistoryPage = z.infer<typeof historyPageSchema>;

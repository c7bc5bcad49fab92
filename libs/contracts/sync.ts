import { z } from "zod";
import { projectSchema } from "./projects";
import { taskSchema } from "./tasks";

export const syncQuery = z.strictObject({
  since: z.string().min(1).max(1000).optional().meta({ description: "the nextToken of the previous sync; absent: everything the caller can see" }),
  limit: z.coerce.number().int().min(1).max(1000).default(500),
});

export const syncPageSchema = z
  .object({
    tasks: z.array(taskSchema),
    projects: z.array(projectSchema),
    deleted: z.array(z.object({ kind: z.enum(["task", "project"]), id: z.uuid() })),
    nextToken: z.string(),
    hasMore: z.boolean(),
  })
  .meta({ id: "SyncPage" });

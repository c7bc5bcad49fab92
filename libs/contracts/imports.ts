import { z } from "zod";

/** What POST /imports accepts (issue 18). */
export const IMPORT_FORMATS = ["todoist-csv", "todoist-backup", "vikunja", "ics"] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** Bytes per chunk of an upload on the bus: under NATS's 1 MB message cap once base64-encoded. */
export const IMPORT_CHUNK_BYTES = 512 * 1024;

export const importJobSchema = z
  .object({
    id: z.uuid(),
    status: z.enum(["running", "done", "failed"]),
    format: z.enum(IMPORT_FORMATS),
    progress: z.object({ done: z.int(), total: z.int() }).meta({ description: "items (projects and tasks) worked through, of how many" }),
    report: z.object({
      created: z.int().meta({ description: "projects and tasks created" }),
      skipped: z.int().meta({ description: "items an earlier import of the same source already created" }),
      unmapped: z.array(z.string()).meta({ description: "what was not imported, or not entirely, each with the item and the reason" }),
    }),
    reason: z.string().nullable().meta({ description: "why a failed import failed" }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: "ImportJob" });
export type ImportJobDto = z.infer<typeof importJobSchema>;

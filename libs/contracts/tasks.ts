import { z } from "zod";

export const TASK_STATUSES = ["todo", "in_progress", "done"] as const;
export const PRIORITIES = ["none", "low", "medium", "high", "urgent"] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export type Priority = (typeof PRIORITIES)[number];

/** An ISO 8601 instant that names its offset ("Z" or "+01:00"); normalised to a Date. */
export const instant = z.iso
  .datetime({ offset: true, message: "must be an ISO 8601 date-time with offset, e.g. 2026-12-01T09:00:00+01:00" })
  .meta({ format: "date-time" });

const tag = z.string().trim().min(1).max(50).toLowerCase();

const taskFields = {
  title: z.string().trim().min(1).max(500),
  description: z.string().max(20_000),
  status: z.enum(TASK_STATUSES),
  priority: z.enum(PRIORITIES),
  dueAt: instant.nullable(),
  startAt: instant.nullable(),
  tags: z
    .array(tag)
    .max(50)
    .transform((tags) => [...new Set(tags)]),
};

export const createTaskInput = z
  .strictObject({
    ...taskFields,
    description: taskFields.description.default(""),
    status: taskFields.status.default("todo"),
    priority: taskFields.priority.default("none"),
    dueAt: taskFields.dueAt.default(null),
    startAt: taskFields.startAt.default(null),
    tags: taskFields.tags.default([]),
  })
  .meta({ id: "CreateTask" });
export type CreateTaskInput = z.output<typeof createTaskInput>;

export const updateTaskInput = z
  .strictObject({
    title: taskFields.title.optional(),
    description: taskFields.description.optional(),
    status: taskFields.status.optional(),
    priority: taskFields.priority.optional(),
    dueAt: taskFields.dueAt.optional(),
    startAt: taskFields.startAt.optional(),
    tags: taskFields.tags.optional(),
  })
  .refine((v) => Object.keys(v).length > 0, "names no field to change")
  .meta({ id: "UpdateTask" });
export type UpdateTaskInput = z.output<typeof updateTaskInput>;

export const taskSchema = z
  .object({
    id: z.uuid(),
    title: z.string(),
    description: z.string(),
    status: z.enum(TASK_STATUSES),
    priority: z.enum(PRIORITIES),
    dueAt: instant.nullable(),
    startAt: instant.nullable(),
    completedAt: instant.nullable(),
    tags: z.array(z.string()),
    projectId: z.uuid().nullable(),
    ownerId: z.uuid(),
    createdAt: instant,
    updatedAt: instant,
    version: z.int().min(1),
  })
  .meta({ id: "Task" });
export type TaskDto = z.infer<typeof taskSchema>;

export const completionSchema = z.object({ occurrenceAt: instant.nullable(), completedAt: instant }).meta({ id: "Completion" });
export type CompletionDto = z.infer<typeof completionSchema>;

export interface TaskPage {
  items: TaskDto[];
  nextCursor: string | null;
}

export interface CompleteResultDto {
  task: TaskDto;
  completion: CompletionDto;
}

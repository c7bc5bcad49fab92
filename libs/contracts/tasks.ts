import { z } from "zod";
import { recurrenceInput } from "../recurrence";
import { MAX_REMINDERS, reminderInput, reminderSchema } from "./reminders";
import { instant } from "./time";
import { MAX_BLOCKERS } from "./dependencies";

export const TASK_STATUSES = ["todo", "in_progress", "done"] as const;
export const PRIORITIES = ["none", "low", "medium", "high", "urgent"] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export type Priority = (typeof PRIORITIES)[number];
/** How a priority is stored and sorted: its place in PRIORITIES, "none" lowest. */
export const priorityRank = (p: Priority): number => PRIORITIES.indexOf(p);

export { instant };

const tag = z.string().trim().min(1).max(50).toLowerCase();

/**
 * Subtask fields (issue 17). Optional in the schema so events and search documents written
 * before they existed still parse; every task the tasks service answers with carries them.
 */
const subtaskFields = {
  parentId: z.uuid().nullable().optional().meta({ description: "the parent task; null for a top-level task" }),
  position: z.int().optional().meta({ description: "order among its siblings (ascending; ties by id)" }),
  progress: z
    .object({ done: z.int(), total: z.int() })
    .optional()
    .meta({ description: "its direct children: how many are done, of how many" }),
  blockedBy: z.array(z.uuid()).optional().meta({
    description:
      "the tasks that must be done before this one. A recurring blocker is never done while occurrences remain (it " +
      "advances): completing one of its occurrences satisfies the dependency, so it leaves this list then (recorded in " +
      "the history) and, if it was the last open blocker, the task is unblocked and its assignee (or owner) told once. " +
      "A deleted blocker leaves the list too.",
  }),
  blocked: z.boolean().optional().meta({ description: "some task of blockedBy is not done" }),
};

const subtaskInput = {
  parentId: z
    .uuid()
    .nullable()
    .optional()
    .meta({ description: "make it a subtask of this task (same project, or the same owner for a private one); null: top-level" }),
  position: z.int().min(0).max(1_000_000_000).optional().meta({ description: "order among its siblings; default: after the last" }),
  blockedBy: z
    .array(z.uuid())
    .max(MAX_BLOCKERS)
    .transform((ids) => [...new Set(ids.map((id) => id.toLowerCase()))])
    .optional()
    .meta({ description: `replaces the tasks this one waits for (at most ${MAX_BLOCKERS}), each one the caller can see, in any of their projects (one they cannot see may stay when the task already waits for it, so the list can be sent back unchanged); a cycle answers 422` }),
};

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
    recurrence: recurrenceInput.nullable().default(null),
    reminders: z.array(reminderInput).max(MAX_REMINDERS).default([]),
    projectId: z.uuid().nullable().default(null),
    assigneeId: z.uuid().nullable().default(null),
    ...subtaskInput,
    parentId: subtaskInput.parentId.default(null),
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
    recurrence: recurrenceInput.nullable().optional(),
    reminders: z.array(reminderInput).max(MAX_REMINDERS).optional().meta({ description: "replaces the list; keep a reminder by sending its id" }),
    projectId: z.uuid().nullable().optional().meta({ description: "move the task into or out of a project" }),
    assigneeId: z.uuid().nullable().optional(),
    ...subtaskInput,
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
    recurrence: z
      .object({
        rrule: z.string(),
        timezone: z.string(),
        from: z.enum(["due", "completion"]),
        exdates: z.array(z.string()),
        text: z.string().optional().meta({ description: 'the rule in words, read-only: "every month on the 1st at 09:00"' }),
      })
      .nullable()
      .meta({ id: "Recurrence" }),
    reminders: z.array(reminderSchema),
    projectId: z.uuid().nullable(),
    assigneeId: z.uuid().nullable().meta({ description: "who is reminded: a project member, or the owner" }),
    ownerId: z.uuid(),
    createdAt: instant,
    updatedAt: instant,
    version: z.int().min(1),
    ...subtaskFields,
    davProperties: z
      .string()
      .optional()
      .meta({ description: "read-only: iCalendar properties a CalDAV client sent that Todogenie does not model, given back to CalDAV clients unchanged" }),
  })
  .meta({ id: "Task" });
export type TaskDto = z.infer<typeof taskSchema>;

export const completionSchema = z.object({ occurrenceAt: instant.nullable(), completedAt: instant }).meta({ id: "Completion" });
export type CompletionDto = z.infer<typeof completionSchema>;


export interface CompleteResultDto {
  task: TaskDto;
  completion: CompletionDto;
}

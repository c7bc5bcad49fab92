import { PRIORITIES, ReminderDto, TaskDto, TaskStatus } from "../../libs/contracts";
import { describeRecurrence, type Recurrence } from "../../libs/recurrence";
import { TASKS_SCHEMA } from "./migrations";

/** Drivers give timestamptz columns as Dates: their own toISOString is the API's form, without a copy. */
function iso(d: Date | string): string;
function iso(d: Date | string | null): string | null;
function iso(d: Date | string | null): string | null {
  return d === null ? null : typeof d === "string" ? new Date(d).toISOString() : d.toISOString();
}

export const TASKS = `${TASKS_SCHEMA}.tasks`;
export const COMPLETIONS = `${TASKS_SCHEMA}.completions`;

export interface TaskRow {
  id: string;
  owner_id: string;
  project_id: string | null;
  assignee_id: string | null;
  title: string;
  description: string;
  status: TaskStatus;
  priority: number;
  due_at: Date | null;
  start_at: Date | null;
  completed_at: Date | null;
  tags: string[];
  recurrence: Recurrence | null;
  reminders: ReminderDto[];
  /** The zone the task's times are read in: its recurrence's, else its owner's when created. */
  timezone: string;
  /** The recurrence's DTSTART: the first due instant of the series. */
  dtstart: Date | null;
  /** Completions so far, which COUNT limits when recurring from completion. */
  completed_count: number;
  /** Subtasks (services/tasks/subtasks.ts): the parent, the order among siblings, and the direct children's count. */
  parent_id: string | null;
  position: number;
  children_total: number;
  children_done: number;
  /** Dependencies (services/tasks/dependencies.ts): the blockers, and whether one is open. */
  blocked_by: string[];
  blocked: boolean;
  /** CalDAV (migration 0013): what a client sent that tasks do not model, opaque here. */
  dav_properties?: string | null;
  created_at: Date;
  updated_at: Date;
  version: number;
}

/** Every column a TaskRow holds, named: a read that names them keeps its result type when a migration adds a column. */
const ROW_COLUMNS: Record<keyof TaskRow, true> = {
  id: true, owner_id: true, project_id: true, assignee_id: true, title: true, description: true, status: true, priority: true,
  due_at: true, start_at: true, completed_at: true, tags: true, recurrence: true, reminders: true, timezone: true, dtstart: true,
  completed_count: true, parent_id: true, position: true, children_total: true, children_done: true, blocked_by: true, blocked: true,
  dav_properties: true, created_at: true, updated_at: true, version: true,
};
export const TASK_COLUMNS = Object.keys(ROW_COLUMNS) as (keyof TaskRow)[];

/** The columns CASL rule fields stand for in task queries. */
export const TASK_RULE_COLUMNS = { id: "id", ownerId: "owner_id", projectId: "project_id" };

export function toTaskDto(row: TaskRow): TaskDto {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    status: row.status,
    priority: PRIORITIES[row.priority] ?? "none",
    dueAt: iso(row.due_at),
    startAt: iso(row.start_at),
    completedAt: iso(row.completed_at),
    tags: row.tags,
    recurrence: row.recurrence && { ...row.recurrence, text: describeRecurrence(row.recurrence, row.dtstart ?? row.due_at ?? row.created_at) },
    reminders: row.reminders,
    projectId: row.project_id,
    assigneeId: row.assignee_id,
    ownerId: row.owner_id,
    createdAt: iso(row.created_at),
    updatedAt: iso(row.updated_at),
    version: row.version,
    parentId: row.parent_id,
    position: row.position,
    progress: { done: row.children_done, total: row.children_total },
    blockedBy: row.blocked_by,
    blocked: row.blocked,
    ...(row.dav_properties ? { davProperties: row.dav_properties } : {}),
  };
}

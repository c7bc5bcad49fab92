import { PRIORITIES, Priority, TaskDto, TaskStatus } from "../../libs/contracts";

export interface TaskRow {
  id: string;
  owner_id: string;
  project_id: string | null;
  title: string;
  description: string;
  status: TaskStatus;
  priority: number;
  due_at: Date | null;
  start_at: Date | null;
  completed_at: Date | null;
  tags: string[];
  created_at: Date;
  updated_at: Date;
  version: number;
}

/** The columns CASL rule fields stand for in task queries. */
export const TASK_RULE_COLUMNS = { id: "id", ownerId: "owner_id", projectId: "project_id" };

export const priorityRank = (p: Priority): number => PRIORITIES.indexOf(p);

const iso = (d: Date | null): string | null => (d ? new Date(d).toISOString() : null);

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
    projectId: row.project_id,
    ownerId: row.owner_id,
    createdAt: iso(row.created_at)!,
    updatedAt: iso(row.updated_at)!,
    version: row.version,
  };
}

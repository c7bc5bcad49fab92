/** Words for subtask progress and history entries (pure: unit-tested without a page). */
import { formatInstant } from "./time";
import type { HistoryItem, Task } from "./types";

/** "2/5" of the direct children done; null for a task without children. */
export function progressLabel(progress: Task["progress"]): string | null {
  return progress && progress.total > 0 ? `${progress.done}/${progress.total}` : null;
}

/** Open children a completion or deletion would touch: the user must choose first. */
export const openChildren = (task: Task) => (task.progress ? task.progress.total - task.progress.done : 0);

const ACTIONS: Record<string, string> = {
  created: "created the task",
  updated: "changed",
  completed: "completed the task",
  moved: "moved the task",
  deleted: "deleted the task",
  commented: "commented",
  "comment.edited": "edited a comment",
  "comment.deleted": "deleted a comment",
  "member.added": "added a member",
  "member.changed": "changed a member's role",
  "member.removed": "removed a member",
};

export const actionLabel = (action: string) => ACTIONS[action] ?? action;

const FIELDS: Record<string, string> = {
  title: "Title", description: "Notes", status: "Status", priority: "Priority", dueAt: "Due", startAt: "Start",
  tags: "Tags", recurrence: "Repeats", reminders: "Reminders", projectId: "Project", assigneeId: "Assignee",
  parentId: "Parent", position: "Position", blockedBy: "Blocked by", comment: "Comment", role: "Role",
};
/** Fields whose values are ids: a line says they changed, not which uuid they hold. */
const ID_FIELDS = new Set(["projectId", "assigneeId", "parentId", "blockedBy"]);
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

/** A field's value as one short line: nothing is "—", lists are comma-separated, instants in `zone`, long text is cut. */
export function valueText(value: unknown, zone = "UTC"): string {
  if (value === null || value === undefined || value === "") return "—";
  if (Array.isArray(value)) return value.length ? value.map((v) => valueText(v, zone)).join(", ") : "—";
  if (typeof value === "string" && INSTANT.test(value)) return formatInstant(value, zone);
  if (typeof value === "object" && "rrule" in value) return String(value.rrule);
  const text = typeof value === "object" ? JSON.stringify(value) : String(value);
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

/**
 * "Title: Old → New" for each change of an entry. A new or deleted comment has no lines: its
 * text is in the thread (the entry holds only its id).
 */
export function changeLines(item: HistoryItem, zone = "UTC"): string[] {
  if (item.action === "commented" || item.action === "comment.deleted") return [];
  return item.changes.map((c) => {
    const label = FIELDS[c.field] ?? c.field;
    if (ID_FIELDS.has(c.field)) return `${label} changed`;
    if (c.field === "reminders" && Array.isArray(c.from) && Array.isArray(c.to)) return `${label}: ${c.from.length} → ${c.to.length}`;
    return `${label}: ${valueText(c.from, zone)} → ${valueText(c.to, zone)}`;
  });
}

/** Words for subtask progress and history entries (pure: unit-tested without a page). */
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
  "member.added": "added a member",
  "member.changed": "changed a member's role",
  "member.removed": "removed a member",
};

export const actionLabel = (action: string) => ACTIONS[action] ?? action;

/** A field's value as one short line: nothing is "—", lists are comma-separated, long text is cut. */
export function valueText(value: unknown): string {
  if (value === null || value === undefined || value === "") return "—";
  if (Array.isArray(value)) return value.length ? value.map(valueText).join(", ") : "—";
  const text = typeof value === "object" ? JSON.stringify(value) : String(value);
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}

/** "title: Old → New" for each change of an entry. */
export const changeLines = (item: HistoryItem) => item.changes.map((c) => `${c.field}: ${valueText(c.from)} → ${valueText(c.to)}`);

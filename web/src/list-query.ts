/** The task list's search, filters and sort, as the query of GET /tasks (API.md "Listing, filtering, sorting, searching"). */
import { addDays, dayOf, startOfDay } from "./time";
import type { Priority, TaskStatus } from "./types";

export type DueFilter = "any" | "overdue" | "today" | "week" | "range";

export interface ListState {
  q: string;
  status: TaskStatus[];
  priority: Priority[];
  tags: string[];
  projectId?: string;
  due: DueFilter;
  /** Calendar days ("2030-01-14") for `due: "range"`, inclusive, in the user's zone. */
  dueFromDay?: string;
  dueToDay?: string;
  sort: string;
}

/** "auto": by relevance while searching, newest first otherwise. */
export const SORTS: Record<string, string> = {
  auto: "Best match, else newest",
  dueAt: "Due date",
  "-priority,dueAt": "Priority",
  "-createdAt": "Newest",
  createdAt: "Oldest",
  "-updatedAt": "Recently changed",
  title: "Title",
};

export const defaultListState = (): ListState => ({ q: "", status: ["todo", "in_progress"], priority: [], tags: [], due: "any", sort: "auto" });

/**
 * The query for one page. `now` and `zone` turn "today" and "next 7 days" into instants;
 * every page of one list must be asked with the same `now` (a cursor belongs to its query).
 */
export function taskQuery(state: ListState, zone: string, now: Date, limit: number, cursor?: string | null): URLSearchParams {
  const q = new URLSearchParams();
  const text = state.q.trim();
  if (text) q.set("q", text);
  // Subtasks show under their parent (expand); a search finds them wherever they are (the API refuses topLevel with q).
  else q.set("topLevel", "true");
  if (state.status.length) q.set("status", state.status.join(","));
  if (state.priority.length) q.set("priority", state.priority.join(","));
  const tags = state.tags.map((t) => t.trim().toLowerCase()).filter(Boolean);
  if (tags.length) q.set("tag", tags.join(","));
  if (state.projectId) q.set("projectId", state.projectId);
  const range = dueRange(state, zone, now);
  if (range.overdue) q.set("overdue", "true");
  if (range.from) q.set("dueFrom", range.from.toISOString());
  if (range.to) q.set("dueTo", range.to.toISOString());
  const sort = state.sort === "auto" ? (text ? "" : "-createdAt") : state.sort;
  if (sort) q.set("sort", sort);
  q.set("limit", String(limit));
  if (cursor) q.set("cursor", cursor);
  return q;
}

function dueRange(state: ListState, zone: string, now: Date): { overdue?: boolean; from?: Date; to?: Date } {
  const today = dayOf(now, zone);
  // dueTo is exclusive: a day ends where the next one starts.
  const endOf = (day: string) => startOfDay(addDays(day, 1), zone)!;
  switch (state.due) {
    case "overdue":
      return { overdue: true };
    case "today":
      return { from: startOfDay(today, zone)!, to: endOf(today) };
    case "week":
      return { from: now, to: endOf(addDays(today, 7)) };
    case "range":
      return {
        from: state.dueFromDay ? (startOfDay(state.dueFromDay, zone) ?? undefined) : undefined,
        to: state.dueToDay ? endOf(state.dueToDay) : undefined,
      };
    default:
      return {};
  }
}

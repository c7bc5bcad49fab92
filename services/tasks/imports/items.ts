import type { Priority } from "../../../libs/contracts";

/**
 * What every format's parser makes of a file: projects and tasks in one list, parents before
 * their children, each with `ref`, its id in the source (stable across exports of the same data,
 * so importing the same file again finds what it made the first time).
 */
export interface ImportProject {
  kind: "project";
  ref: string;
  name: string;
}

/** A due date: an instant, or Todoist's words ("every monday at 9am"), read by quick add when imported. */
export type ImportDue = { at: string } | { text: string; locale: "en" | "de"; timezone?: string };

export type ImportReminder = { offset: string } | { at: string };

export interface ImportTask {
  kind: "task";
  ref: string;
  projectRef: string | null;
  parentRef: string | null;
  title: string;
  description: string;
  priority: Priority;
  done: boolean;
  due: ImportDue | null;
  /** RFC 5545 RRULE value and EXDATE instants; the zone the rule keeps its wall-clock time in. */
  recurrence: { rrule: string; timezone?: string; exdates: string[]; from?: "due" | "completion" } | null;
  tags: string[];
  reminders: ImportReminder[];
  /** Comments to add to it (Todoist's notes), as the importer's. */
  comments?: string[];
}

export type ImportItem = ImportProject | ImportTask;

/** A parsed file: its items, what it already knows it cannot map, and the source its refs belong to. */
export interface ParsedImport {
  source: "todoist" | "vikunja" | "ics";
  items: ImportItem[];
  unmapped: string[];
}

/** Limits a parser enforces: a hostile file is refused before anything is created. */
export interface ParseLimits {
  /** Most bytes a zip may inflate to, all entries together. */
  maxInflatedBytes: number;
  /** Most items one file may hold. */
  maxItems: number;
}

export const DEFAULT_PARSE_LIMITS: ParseLimits = { maxInflatedBytes: 100 * 1024 * 1024, maxItems: 50_000 };

/** A file this parser cannot read: the import is refused (422) with this reason. */
export class ImportFormatError extends Error {}

/** Short quoting of an item for the report. */
export function quote(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return `"${flat.length > 60 ? `${flat.slice(0, 57)}...` : flat}"`;
}

export function task(fields: Partial<ImportTask> & Pick<ImportTask, "ref" | "title">): ImportTask {
  return { kind: "task", projectRef: null, parentRef: null, description: "", priority: "none", done: false, due: null, recurrence: null, tags: [], reminders: [], ...fields };
}

/** Counts items as a parser adds them, refusing a file past the limit. */
export function checkCount(items: unknown[], limits: ParseLimits): void {
  if (items.length > limits.maxItems) throw new ImportFormatError(`the file holds more than ${limits.maxItems} items`);
}

/** Seconds as an ISO 8601 offset ("-PT15M"), in whole minutes where they are. */
export function secondsToOffset(seconds: number): string {
  const sign = seconds < 0 ? "-" : "";
  const s = Math.abs(Math.trunc(seconds));
  if (s === 0) return "PT0S";
  return s % 60 === 0 ? `${sign}PT${s / 60}M` : `${sign}PT${s}S`;
}

/**
 * Parents before their children (a child names a parent that must exist when it is made); a
 * parent that is not in the file, or a cycle, leaves the task at the top level, reported.
 */
export function parentsFirst(parsed: ParsedImport): void {
  const tasks = new Map(parsed.items.flatMap((i) => (i.kind === "task" ? [[i.ref, i] as const] : [])));
  const out: ImportItem[] = parsed.items.filter((i) => i.kind === "project");
  const state = new Map<string, "visiting" | "done">();
  const visit = (t: ImportTask) => {
    if (state.get(t.ref) === "done") return;
    state.set(t.ref, "visiting");
    if (t.parentRef !== null) {
      const parent = tasks.get(t.parentRef);
      if (!parent || state.get(parent.ref) === "visiting") {
        parsed.unmapped.push(`parent of task ${quote(t.title)}: ${parent ? "the subtask relations form a cycle" : "not in the file"}; imported as a top-level task`);
        t.parentRef = null;
      } else visit(parent);
    }
    state.set(t.ref, "done");
    out.push(t);
  };
  for (const t of tasks.values()) visit(t);
  parsed.items = out;
}

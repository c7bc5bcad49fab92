import { createHash } from "node:crypto";
import type { Priority } from "../../../libs/contracts";
import { parseCsv } from "./csv";
import { checkCount, ImportFormatError, ImportItem, ImportTask, ParsedImport, ParseLimits, quote, task } from "./items";
import { unzip } from "./zip";

/** Todoist's p1 (highest) .. p4 (lowest). Its documentation: an empty cell means p1. */
const PRIORITIES: Record<string, Priority> = { "": "urgent", "1": "urgent", "2": "high", "3": "medium", "4": "none" };
const LABEL = /(^|\s)@([\p{L}\p{N}_-]{1,50})(?=\s|$)/gu;
const REQUIRED = ["TYPE", "CONTENT"];

const digest = (text: string) => createHash("sha256").update(text).digest("base64url").slice(0, 16);

/** The project a Todoist file is: named after the file, as Todoist names a project's template. */
export function projectNameOf(filename: string): string {
  const base = filename.replace(/^.*[\\/]/, "").replace(/\.csv$/i, "").trim();
  return (base || "Todoist import").slice(0, 200);
}

/**
 * One project's CSV (Todoist's template format): TYPE (task, section, note), CONTENT (the title,
 * with @labels), DESCRIPTION, PRIORITY (1 = p1 .. 4 = p4), INDENT (1 top level, 2 a subtask, ...),
 * AUTHOR, RESPONSIBLE, DATE (Todoist's words, "every day at 9am"), DATE_LANG, TIMEZONE, DURATION,
 * DURATION_UNIT. Task refs are the project, the task's position and a digest of its row, so the
 * same file maps to the same refs.
 */
export function parseTodoistCsv(text: string, projectName: string, limits: ParseLimits, into: ParsedImport = { source: "todoist", items: [], unmapped: [] }): ParsedImport {
  const rows = parseCsv(text, limits.maxItems + 1);
  const header = (rows.shift() ?? []).map((h) => h.trim().toUpperCase());
  for (const name of REQUIRED) if (!header.includes(name)) throw new ImportFormatError(`not a Todoist CSV: the header has no ${name} column`);
  const col = (row: string[], name: string) => (row[header.indexOf(name)] ?? "").trim();
  const projectRef = `project:${projectName}`;
  const items: ImportItem[] = into.items;
  items.push({ kind: "project", ref: projectRef, name: projectName });
  // The task last seen at each indent level: a deeper row is its child.
  const stack: string[] = [];
  let last: ImportTask | null = null;
  let ordinal = 0;
  for (const [i, row] of rows.entries()) {
    const type = col(row, "TYPE");
    const content = col(row, "CONTENT");
    const where = `${projectName}, row ${i + 2}`;
    if (type === "section") {
      into.unmapped.push(`section ${quote(content)} (${where}): sections are not supported; its tasks are imported into the project`);
      continue;
    }
    if (type === "note") {
      // A note is a comment on the task in the row above.
      if (last && content) (last.comments ??= []).push(content.slice(0, 10_000));
      else into.unmapped.push(`note ${quote(content)} (${where}): ${content ? "no task above it to comment on" : "it is empty"}`);
      continue;
    }
    if (type !== "task") {
      if (type || content) into.unmapped.push(`row ${quote(row.join(","))} (${where}): TYPE "${type}" is not task, section or note`);
      continue;
    }
    const tags = [...content.matchAll(LABEL)].map((m) => m[2]!.toLowerCase());
    const title = content.replace(LABEL, "$1").replace(/\s+/g, " ").trim();
    if (!title) {
      into.unmapped.push(`task (${where}): it has no title`);
      continue;
    }
    const indent = Math.max(1, Math.min(5, Number.parseInt(col(row, "INDENT") || "1", 10) || 1));
    const ref = `${projectName}/${ordinal++}:${digest(row.join("\u0000"))}`;
    stack.length = indent - 1;
    const parentRef = indent > 1 ? (stack[indent - 2] ?? stack[stack.length - 1] ?? null) : null;
    stack[indent - 1] = ref;
    const priorityCell = col(row, "PRIORITY");
    const priority = PRIORITIES[priorityCell];
    if (priority === undefined) into.unmapped.push(`priority "${priorityCell}" of task ${quote(title)} (${where}): not 1 to 4, imported as none`);
    const date = col(row, "DATE");
    const lang = col(row, "DATE_LANG").toLowerCase() || "en";
    let due: ReturnType<typeof task>["due"] = null;
    if (date) {
      if (lang === "en" || lang === "de") due = { text: date, locale: lang, timezone: col(row, "TIMEZONE") || undefined };
      else into.unmapped.push(`date ${quote(date)} of task ${quote(title)} (${where}): dates in language "${lang}" are not understood (en and de are)`);
    }
    if (col(row, "RESPONSIBLE")) into.unmapped.push(`assignee ${quote(col(row, "RESPONSIBLE"))} of task ${quote(title)} (${where}): Todoist users are not mapped`);
    if (col(row, "DURATION")) into.unmapped.push(`duration ${col(row, "DURATION")} ${col(row, "DURATION_UNIT")} of task ${quote(title)} (${where}): durations are not supported`);
    last = task({ ref, projectRef, parentRef, title, description: col(row, "DESCRIPTION"), priority: priority ?? "none", due, tags });
    items.push(last);
    checkCount(items, limits);
  }
  return into;
}

/** Todoist's backup: a zip with one template CSV per project, named after it. */
export function parseTodoistBackup(zip: Uint8Array, limits: ParseLimits): ParsedImport {
  const files = unzip(zip, limits, (name) => /\.csv$/i.test(name));
  if (files.length === 0) throw new ImportFormatError("not a Todoist backup: the zip holds no CSV file");
  const out: ParsedImport = { source: "todoist", items: [], unmapped: [] };
  for (const file of files) parseTodoistCsv(new TextDecoder("utf-8").decode(file.data), projectNameOf(file.name), limits, out);
  return out;
}

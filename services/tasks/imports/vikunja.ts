import type { Priority } from "../../../libs/contracts";
import { checkCount, ImportFormatError, ImportReminder, ImportTask, parentsFirst, ParsedImport, ParseLimits, quote, secondsToOffset, task } from "./items";
import { unzip } from "./zip";

/** Vikunja's 0 (unset) .. 5 (do now). */
const PRIORITIES: Priority[] = ["none", "low", "medium", "high", "urgent", "urgent"];
/** Vikunja writes a missing date as the zero time. */
const ZERO = /^0001-01-01/;
const DAY = 86_400;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown) => (typeof v === "string" ? v : typeof v === "number" ? String(v) : "");
const date = (v: unknown): string | null => {
  const text = str(v);
  if (!text || ZERO.test(text) || Number.isNaN(Date.parse(text))) return null;
  return new Date(text).toISOString();
};

/** Vikunja's descriptions are HTML: kept as text, paragraphs as lines. */
export function htmlToText(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, "\n")
    .replace(/<\/(p|div|li|h\d)>/gi, "\n")
    .replace(/<[^>]*>/g, "")
    .replace(/&nbsp;/g, " ")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/** Vikunja's repeat: every `repeat_after` seconds (mode 0), monthly (1), or from the completion (2). */
function recurrenceOf(t: Json, title: string, hasDue: boolean, unmapped: string[]): ImportTask["recurrence"] {
  const after = Number(t.repeat_after ?? 0);
  const mode = Number(t.repeat_mode ?? 0);
  if (mode !== 1 && !(after > 0)) return null;
  if (!hasDue) {
    unmapped.push(`repeat of task ${quote(title)}: a repeating task needs a due date, it has none; imported without repeating`);
    return null;
  }
  if (mode === 1) return { rrule: "FREQ=MONTHLY", exdates: [] };
  const weeks = after % (7 * DAY) === 0;
  if (after % DAY !== 0) {
    unmapped.push(`repeat of task ${quote(title)}: every ${after} seconds is not a whole number of days; imported without repeating`);
    return null;
  }
  const rrule = weeks ? `FREQ=WEEKLY;INTERVAL=${after / (7 * DAY)}` : `FREQ=DAILY;INTERVAL=${after / DAY}`;
  return { rrule, exdates: [], from: mode === 2 ? "completion" : "due" };
}

function remindersOf(t: Json, title: string, unmapped: string[]): ImportReminder[] {
  const out: ImportReminder[] = [];
  const list = Array.isArray(t.reminders) ? t.reminders : Array.isArray(t.reminder_dates) ? t.reminder_dates : [];
  for (const r of list) {
    if (!isObject(r)) {
      const at = date(r);
      if (at) out.push({ at });
      continue;
    }
    if (r.relative_to === "due_date" && typeof r.relative_period === "number") out.push({ offset: secondsToOffset(r.relative_period) });
    else if (date(r.reminder)) out.push({ at: date(r.reminder)! });
    else unmapped.push(`reminder of task ${quote(title)}: neither a time nor relative to the due date`);
  }
  return out;
}

/** The projects of Vikunja's export: its data.json (an array of projects, each with its tasks), or the older namespaces with lists. */
function projectsOf(data: unknown): Json[] {
  if (Array.isArray(data)) return data.filter(isObject);
  if (isObject(data) && Array.isArray(data.namespaces)) {
    return data.namespaces.filter(isObject).flatMap((n) => (Array.isArray(n.lists) ? n.lists.filter(isObject) : []));
  }
  throw new ImportFormatError("not a Vikunja export: data.json is not a list of projects");
}

/** Vikunja's export: a zip with data.json (a bare data.json is read too). */
export function parseVikunja(file: Uint8Array, limits: ParseLimits): ParsedImport {
  let json: Uint8Array = file;
  if (file[0] === 0x50 && file[1] === 0x4b) {
    const [entry] = unzip(file, limits, (name) => name.replace(/^.*\//, "") === "data.json");
    if (!entry) throw new ImportFormatError("not a Vikunja export: the zip holds no data.json");
    json = entry.data;
  }
  let data: unknown;
  try {
    data = JSON.parse(new TextDecoder("utf-8").decode(json));
  } catch {
    throw new ImportFormatError("not a Vikunja export: data.json is not JSON");
  }
  const out: ParsedImport = { source: "vikunja", items: [], unmapped: [] };
  const projects = projectsOf(data);
  for (const p of projects) {
    const name = (str(p.title) || "Vikunja project").trim().slice(0, 200);
    const projectRef = `project:${str(p.id) || name}`;
    out.items.push({ kind: "project", ref: projectRef, name });
    if (Number(p.parent_project_id ?? 0) > 0) out.unmapped.push(`project ${quote(name)}: nested projects are not supported; imported at the top level`);
    for (const t of Array.isArray(p.tasks) ? p.tasks.filter(isObject) : []) {
      const title = str(t.title).trim();
      if (!title || t.id === undefined) {
        out.unmapped.push(`task ${quote(title || str(t.id))} in project ${quote(name)}: it has no ${title ? "id" : "title"}`);
        continue;
      }
      const dueAt = date(t.due_date);
      const related = isObject(t.related_tasks) ? t.related_tasks : {};
      const parents = Array.isArray(related.parenttask) ? related.parenttask.filter(isObject) : [];
      const priority = PRIORITIES[Number(t.priority ?? 0)] ?? "none";
      out.items.push(
        task({
          ref: `task:${str(t.id)}`,
          projectRef,
          parentRef: parents[0] ? `task:${str(parents[0].id)}` : null,
          title: title.slice(0, 500),
          description: htmlToText(str(t.description)),
          priority,
          done: t.done === true,
          due: dueAt ? { at: dueAt } : null,
          recurrence: recurrenceOf(t, title, dueAt !== null, out.unmapped),
          tags: Array.isArray(t.labels) ? t.labels.filter(isObject).map((l) => str(l.title).trim().toLowerCase()).filter(Boolean) : [],
          reminders: remindersOf(t, title, out.unmapped),
        }),
      );
      // Subtask relations are recorded on both sides; the child's parenttask is the one read.
      for (const other of ["subtask", "parenttask"]) delete related[other];
      for (const kind of Object.keys(related)) out.unmapped.push(`"${kind}" relation of task ${quote(title)}: only subtask relations are imported`);
      if (Array.isArray(t.attachments) && t.attachments.length) out.unmapped.push(`attachments of task ${quote(title)}: not imported`);
      checkCount(out.items, limits);
    }
  }
  parentsFirst(out);
  return out;
}

import type ICALModule from "ical.js" with { "resolution-mode": "import" };
import type { Priority, ReminderDto, TaskDto, TaskStatus } from "../../../libs/contracts";
import { fromWallClock, normaliseTimeZone, toWallClock } from "../../../libs/time";

// ical.js ships as an ES module with a CommonJS build; this CommonJS project requires the latter.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ICAL: typeof ICALModule = require("ical.js");

/**
 * iCalendar (RFC 5545) VTODOs both ways: the export's writer (GET /me/export.ics) and
 * CalDAV's (services/gateway/caldav), and CalDAV's reader. A recurring task's DTSTART and
 * DUE are written in its zone (TZID, the IANA name) so its rule keeps wall-clock time across
 * DST; a time a CalDAV client sent in a zone, as a date or floating, goes back in that form;
 * everything else is UTC. Text is escaped and lines folded at 75 octets, as the RFC asks.
 *
 * What a client sends that tasks do not model (LOCATION, URL, X- properties, an alarm's
 * ACTION and the rest) is kept, as content lines, in the task's `davProperties` (a JSON
 * `DavKept`, opaque to the tasks service) and written back unchanged.
 *
 * PRIORITY (iCalendar 1 highest .. 9 lowest, 0 undefined) onto the four priorities and back:
 *
 * | iCalendar | Todogenie | written back as |
 * |---|---|---|
 * | 0 or absent | none | absent (0 if the client sent 0) |
 * | 1 | urgent | 1 |
 * | 2-4 | high | 3 (or the client's own 2-4 while still high) |
 * | 5 | medium | 5 |
 * | 6-9 | low | 9 (or the client's own 6-9 while still low) |
 *
 * STATUS: NEEDS-ACTION todo, IN-PROCESS in_progress, COMPLETED done, CANCELLED done (and
 * written back as CANCELLED while the task stays done).
 */
export const ICS_HEADER = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Todogenie//Export//EN", "CALSCALE:GREGORIAN"].map((l) => `${l}\r\n`).join("");
export const ICS_FOOTER = "END:VCALENDAR\r\n";

export const PRIORITY_TO_ICAL: Record<Priority, number> = { none: 0, low: 9, medium: 5, high: 3, urgent: 1 };
const STATUS: Record<TaskStatus, string> = { todo: "NEEDS-ACTION", in_progress: "IN-PROCESS", done: "COMPLETED" };

/** iCalendar's PRIORITY onto the four priorities (the table above). */
export function priorityFromIcal(n: number): Priority {
  if (!Number.isInteger(n) || n <= 0 || n > 9) return "none";
  return n === 1 ? "urgent" : n <= 4 ? "high" : n === 5 ? "medium" : "low";
}

/** How a client wrote a time: in a zone (TZID), as a date, floating (read in `zone`), or UTC. */
export type TimeForm = { kind: "tzid" | "date" | "floating"; zone: string } | { kind: "utc" };

/** What a CalDAV client sent that tasks do not model: the JSON text of a task's `davProperties`. */
export interface DavKept {
  /** The client's UID, when it is not the task's id. */
  uid?: string;
  /** The resource name the client chose (without `.ics`), when it is not the task's id. */
  href?: string;
  /** Unmodelled VTODO properties, each one content line, unfolded. */
  lines?: string[];
  /** Each VALARM's TRIGGER line and its other lines, by the reminder it became (`offset:-PT15M`, `at:<instant>`). */
  alarms?: { key: string; trigger: string; lines: string[] }[];
  forms?: { due?: TimeForm; start?: TimeForm; priority?: number; cancelled?: boolean; percent?: number };
}

export function readKept(task: Pick<TaskDto, "davProperties">): DavKept {
  if (!task.davProperties) return {};
  try {
    return JSON.parse(task.davProperties) as DavKept;
  } catch {
    return {};
  }
}

const utc = (iso: string) => new Date(iso).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
const text = (value: string) => value.replace(/\\/g, "\\\\").replace(/;/g, "\\;").replace(/,/g, "\\,").replace(/\r\n|\r|\n/g, "\\n");

/** The wall-clock time of `iso` in `zone`, as iCalendar's local DATE-TIME. */
function local(iso: string, zone: string): string {
  return toWallClock(new Date(iso), zone).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}Z$/, "");
}

/** Folds a content line at 75 octets without splitting a UTF-8 character. */
export function fold(line: string): string {
  const out: string[] = [];
  let current = "";
  let bytes = 0;
  for (const ch of line) {
    const size = Buffer.byteLength(ch);
    if (bytes + size > (out.length ? 74 : 75)) {
      out.push(current);
      current = "";
      bytes = 0;
    }
    current += ch;
    bytes += size;
  }
  out.push(current);
  return out.join("\r\n ") + "\r\n";
}

/** A time property as the client wrote it when the instant still fits that form; else in `zone` (recurring) or UTC. */
function timeLine(name: string, iso: string, form: TimeForm | undefined, recurringZone: string | undefined): string {
  if (recurringZone) return `${name};TZID=${recurringZone}:${local(iso, recurringZone)}`;
  if (form?.kind === "tzid") return `${name};TZID=${form.zone}:${local(iso, form.zone)}`;
  if (form?.kind === "floating") return `${name}:${local(iso, form.zone)}`;
  if (form?.kind === "date") {
    const wall = local(iso, form.zone);
    if (wall.endsWith("T000000")) return `${name};VALUE=DATE:${wall.slice(0, 8)}`;
  }
  return `${name}:${utc(iso)}`;
}

const reminderKey = (r: Pick<ReminderDto, "offset" | "at">) => (r.at ? `at:${new Date(r.at).toISOString()}` : `offset:${r.offset}`);

/**
 * One VTODO. `uidOf` names another task by its UID (a parent a client created keeps the
 * client's UID); by default a task's UID is its id.
 */
export function vtodo(task: TaskDto, stamp: Date, uidOf: (taskId: string) => string = (id) => id): string {
  const kept = readKept(task);
  const forms = kept.forms ?? {};
  const zone = task.recurrence?.timezone;
  const start = task.startAt ?? (task.recurrence && task.dueAt);
  const keptPriority = forms.priority !== undefined && priorityFromIcal(forms.priority) === task.priority ? forms.priority : undefined;
  const priority = keptPriority ?? PRIORITY_TO_ICAL[task.priority];
  const status = task.status === "done" && forms.cancelled ? "CANCELLED" : STATUS[task.status];
  const percent = task.status === "done" ? 100 : forms.percent !== undefined && forms.percent < 100 ? forms.percent : undefined;
  const alarms = new Map((kept.alarms ?? []).map((a) => [a.key, a]));
  const lines = [
    "BEGIN:VTODO",
    `UID:${kept.uid ?? task.id}`,
    `DTSTAMP:${utc(stamp.toISOString())}`,
    task.createdAt && `CREATED:${utc(task.createdAt)}`,
    task.updatedAt && `LAST-MODIFIED:${utc(task.updatedAt)}`,
    `SUMMARY:${text(task.title)}`,
    task.description && `DESCRIPTION:${text(task.description)}`,
    start && timeLine("DTSTART", start, forms.start, zone),
    task.dueAt && timeLine("DUE", task.dueAt, forms.due, zone),
    priority || keptPriority === 0 ? `PRIORITY:${priority}` : undefined,
    `STATUS:${status}`,
    task.completedAt && `COMPLETED:${utc(task.completedAt)}`,
    percent !== undefined ? `PERCENT-COMPLETE:${percent}` : undefined,
    task.tags.length ? `CATEGORIES:${task.tags.map(text).join(",")}` : undefined,
    task.recurrence && `RRULE:${task.recurrence.rrule}`,
    ...(task.recurrence?.exdates ?? []).map((d) => timeLine("EXDATE", d, undefined, zone)),
    task.parentId && `RELATED-TO;RELTYPE=PARENT:${uidOf(task.parentId)}`,
    ...(kept.lines ?? []),
    ...task.reminders.flatMap((r) => {
      const same = alarms.get(reminderKey(r));
      const trigger = same?.trigger ?? (r.at ? `TRIGGER;VALUE=DATE-TIME:${utc(r.at)}` : `TRIGGER;RELATED=END:${r.offset}`);
      return ["BEGIN:VALARM", trigger, ...(same ? same.lines : ["ACTION:DISPLAY", `DESCRIPTION:${text(task.title)}`]), "END:VALARM"];
    }),
    "END:VTODO",
  ];
  return lines.filter((l): l is string => Boolean(l)).map(fold).join("");
}

/** A whole iCalendar object holding one task. */
export function vcalendar(task: TaskDto, stamp: Date, uidOf?: (taskId: string) => string): string {
  return ICS_HEADER + vtodo(task, stamp, uidOf) + ICS_FOOTER;
}

// ---------------------------------------------------------------------------------------------
// Reading

/** Why an iCalendar object cannot become a task: `precondition` is CalDAV's (RFC 4791 5.3.2.1). */
export class IcalInputError extends Error {
  constructor(
    message: string,
    readonly precondition: "valid-calendar-data" | "supported-calendar-component" | "valid-calendar-object-resource" = "valid-calendar-data",
  ) {
    super(message);
  }
}

/** The task fields a VTODO gives: what the API's create and update take, and what is kept. */
export interface ParsedTodo {
  uid: string;
  title: string;
  description: string;
  status: TaskStatus;
  priority: Priority;
  dueAt: string | null;
  startAt: string | null;
  tags: string[];
  recurrence: { rrule: string; timezone: string; exdates: string[] } | null;
  reminders: ({ offset: string } | { at: string })[];
  /** Whether the recurrence's zone was named (a TZID), rather than assumed from UTC or floating times. */
  recurrenceZoneGiven: boolean;
  /** RELATED-TO;RELTYPE=PARENT's value: the parent's UID. */
  parentUid: string | null;
  kept: DavKept;
}

/** Properties the mapping reads; every other one is kept as written. */
const MODELLED = new Set(["uid", "dtstamp", "created", "last-modified", "summary", "description", "dtstart", "due", "priority", "status", "completed", "percent-complete", "categories", "rrule", "exdate"]);

type Prop = InstanceType<typeof ICAL.Property>;
type Comp = InstanceType<typeof ICAL.Component>;

/** A DATE or DATE-TIME property as an instant, and the form it was written in. */
function readTime(prop: Prop, ownerZone: string, value: unknown = prop.getFirstValue()): { iso: string; form: TimeForm } {
  const time = value as InstanceType<typeof ICAL.Time>;
  if (!(time instanceof ICAL.Time)) throw new IcalInputError(`${prop.name.toUpperCase()} is not a date or date-time`);
  const wall = new Date(Date.UTC(time.year, time.month - 1, time.day, time.isDate ? 0 : time.hour, time.isDate ? 0 : time.minute, time.isDate ? 0 : time.second));
  if (Number.isNaN(wall.getTime()) || time.year < 1 || time.year > 9999) throw new IcalInputError(`${prop.name.toUpperCase()} is out of range`);
  const tzid = prop.getParameter("tzid") as string | undefined;
  if (time.isDate) return { iso: fromWallClock(wall, ownerZone).toISOString(), form: { kind: "date", zone: ownerZone } };
  if (time.zone === ICAL.Timezone.utcTimezone || (!tzid && time.toString().endsWith("Z"))) return { iso: wall.toISOString(), form: { kind: "utc" } };
  if (tzid) {
    // An IANA name (or one behind a vendor prefix, "/mozilla.org/20050126_1/Europe/Berlin"); else the owner's zone.
    const iana = normaliseTimeZone(tzid) ?? normaliseTimeZone(tzid.split("/").slice(-2).join("/"));
    const zone = iana ?? ownerZone;
    return { iso: fromWallClock(wall, zone).toISOString(), form: iana ? { kind: "tzid", zone } : { kind: "utc" } };
  }
  return { iso: fromWallClock(wall, ownerZone).toISOString(), form: { kind: "floating", zone: ownerZone } };
}

function parseCalendar(ics: string): Comp {
  let jcal: unknown;
  try {
    jcal = ICAL.parse(ics);
  } catch (err) {
    throw new IcalInputError(`not iCalendar: ${(err as Error).message}`);
  }
  const root = new ICAL.Component((Array.isArray(jcal) && typeof jcal[0] === "string" ? jcal : (jcal as unknown[])[0]) as never);
  if (root.name !== "vcalendar") throw new IcalInputError("expected a VCALENDAR object");
  return root;
}

/** The single VTODO of a CalDAV object (a VEVENT or several UIDs are refused, as RFC 4791 4.1 asks). */
export function parseVtodo(ics: string, ownerZone: string): ParsedTodo {
  const root = parseCalendar(ics);
  const todos = root.getAllSubcomponents("vtodo");
  const others = root.getAllSubcomponents().filter((c) => c.name !== "vtodo" && c.name !== "vtimezone");
  if (todos.length === 0 || others.length) throw new IcalInputError("this calendar holds VTODOs only", "supported-calendar-component");
  const uids = new Set(todos.map((t) => String(t.getFirstPropertyValue("uid") ?? "")));
  if (uids.size !== 1 || uids.has("")) throw new IcalInputError("one object holds one UID", "valid-calendar-object-resource");
  // Overridden occurrences (RECURRENCE-ID) have no place in a task: the master alone is read.
  const todo = todos.find((t) => !t.hasProperty("recurrence-id")) ?? todos[0]!;
  const get = (name: string) => todo.getFirstProperty(name) as Prop | null;
  const forms: NonNullable<DavKept["forms"]> = {};

  const due = get("due") && readTime(get("due")!, ownerZone);
  const start = get("dtstart") && readTime(get("dtstart")!, ownerZone);
  if (due && due.form.kind !== "utc") forms.due = due.form;
  if (start && start.form.kind !== "utc") forms.start = start.form;

  const rawPriority = get("priority")?.getFirstValue();
  const priorityNumber = rawPriority === undefined || rawPriority === null ? undefined : Number(rawPriority);
  if (priorityNumber !== undefined && Number.isInteger(priorityNumber)) forms.priority = priorityNumber;

  const percentValue = get("percent-complete")?.getFirstValue();
  const percent = percentValue === undefined || percentValue === null ? undefined : Number(percentValue);
  if (percent !== undefined && Number.isInteger(percent) && percent >= 0 && percent <= 100) forms.percent = percent;

  const statusText = String(get("status")?.getFirstValue() ?? "").toUpperCase();
  let status: TaskStatus;
  if (statusText === "COMPLETED") status = "done";
  else if (statusText === "CANCELLED") {
    status = "done";
    forms.cancelled = true;
  } else if (statusText === "IN-PROCESS") status = "in_progress";
  else if (statusText === "NEEDS-ACTION") status = "todo";
  else if (get("completed") || percent === 100) status = "done";
  else if (percent && percent > 0) status = "in_progress";
  else status = "todo";

  const tags = todo
    .getAllProperties("categories")
    .flatMap((p) => p.getValues().map((v) => String(v).trim().toLowerCase()))
    .filter((t) => t.length > 0);

  let recurrence: ParsedTodo["recurrence"] = null;
  const rrule = get("rrule");
  // The series starts at DUE (a task's first occurrence); a client that wrote DTSTART alone has it start there.
  const anchor = due ?? start;
  let dueAt = due?.iso ?? null;
  let startAt = start?.iso ?? null;
  if (rrule) {
    if (!anchor) throw new IcalInputError("RRULE needs DTSTART or DUE", "valid-calendar-object-resource");
    const zone = (anchor.form.kind === "utc" ? "UTC" : anchor.form.zone) ?? ownerZone;
    const exdates = todo.getAllProperties("exdate").flatMap((p) => p.getValues().map((v) => readTime(p, zone, v).iso));
    recurrence = { rrule: String(rrule.getFirstValue()), timezone: zone, exdates };
    if (!due) {
      dueAt = start!.iso;
      startAt = null;
    } else if (start && start.iso === due.iso) startAt = null;
  }

  let parentUid: string | null = null;
  const lines: string[] = [];
  for (const prop of todo.getAllProperties() as Prop[]) {
    if (MODELLED.has(prop.name)) continue;
    const reltype = String(prop.getParameter("reltype") ?? "PARENT").toUpperCase();
    if (prop.name === "related-to" && reltype === "PARENT" && parentUid === null) {
      parentUid = String(prop.getFirstValue());
      continue;
    }
    lines.push(prop.toICALString());
  }

  const reminders: ParsedTodo["reminders"] = [];
  const alarms: NonNullable<DavKept["alarms"]> = [];
  for (const alarm of todo.getAllSubcomponents("valarm")) {
    const trigger = alarm.getFirstProperty("trigger") as Prop | null;
    const value = trigger?.getFirstValue();
    if (!trigger || value === null || value === undefined) continue;
    let reminder: { offset: string } | { at: string };
    if (value instanceof ICAL.Time) reminder = { at: readTime(trigger, ownerZone).iso };
    else {
      const offset = String(value);
      const related = String(trigger.getParameter("related") ?? "START").toUpperCase();
      // An offset from DTSTART is one from the due date only when the task starts when it is due (or has no start).
      if (related === "START" && start && due && start.iso !== due.iso) {
        const ms = (value as InstanceType<typeof ICAL.Duration>).toSeconds() * 1000;
        reminder = { at: new Date(new Date(start.iso).getTime() + ms).toISOString() };
      } else reminder = { offset };
    }
    reminders.push(reminder);
    alarms.push({
      key: "at" in reminder ? `at:${reminder.at}` : `offset:${reminder.offset}`,
      trigger: trigger.toICALString(),
      lines: (alarm.getAllProperties() as Prop[]).filter((p) => p.name !== "trigger").map((p) => p.toICALString()),
    });
  }

  const uid = String(todo.getFirstPropertyValue("uid"));
  const kept: DavKept = {};
  if (lines.length) kept.lines = lines;
  if (alarms.length) kept.alarms = alarms;
  if (Object.keys(forms).length) kept.forms = forms;
  const summary = todo.getFirstPropertyValue("summary");
  return {
    uid,
    title: summary === null || summary === undefined || String(summary).trim() === "" ? "(untitled)" : String(summary),
    description: String(todo.getFirstPropertyValue("description") ?? ""),
    status,
    priority: priorityNumber === undefined ? "none" : priorityFromIcal(priorityNumber),
    dueAt,
    startAt,
    tags: [...new Set(tags)],
    recurrence,
    recurrenceZoneGiven: anchor?.form.kind === "tzid",
    reminders,
    parentUid,
    kept,
  };
}

/** The VTODO component of an iCalendar text this module wrote, for CalDAV's filters. */
export function todoComponent(ics: string): Comp | undefined {
  return parseCalendar(ics).getFirstSubcomponent("vtodo") ?? undefined;
}
export { ICAL };

import { DateTime, Duration } from "luxon";
import type { Priority } from "../../../libs/contracts";
import { normaliseTimeZone } from "../../../libs/time";
import { checkCount, ImportFormatError, ImportReminder, ImportTask, parentsFirst, ParsedImport, ParseLimits, quote, task } from "./items";

interface Prop {
  name: string;
  params: Record<string, string>;
  value: string;
}
interface Component {
  name: string;
  props: Prop[];
  children: Component[];
}

/** RFC 5545 3.1: lines folded with CRLF + a space or tab are one. */
function unfold(text: string): string[] {
  return text.replace(/\r\n|\r/g, "\n").replace(/\n[ \t]/g, "").split("\n").filter((l) => l.trim() !== "");
}

function parseLine(line: string): Prop {
  // name *(";" param) ":" value; param values may be quoted (and then hold ; and :).
  let i = 0;
  const read = (stop: RegExp) => {
    let out = "";
    let quoted = false;
    for (; i < line.length; i++) {
      const c = line[i]!;
      if (c === '"') quoted = !quoted;
      else if (!quoted && stop.test(c)) break;
      else out += c;
    }
    return out;
  };
  const name = read(/[;:]/).toUpperCase();
  const params: Record<string, string> = {};
  while (line[i] === ";") {
    i++;
    const key = read(/[=;:]/).toUpperCase();
    if (line[i] === "=") i++;
    params[key] = read(/[;:]/);
  }
  if (line[i] !== ":") throw new ImportFormatError(`not iCalendar: the line ${quote(line)} has no value`);
  return { name, params, value: line.slice(i + 1) };
}

function parseComponents(text: string, limits: ParseLimits): Component {
  const root: Component = { name: "", props: [], children: [] };
  const stack = [root];
  let count = 0;
  for (const line of unfold(text)) {
    const prop = parseLine(line);
    const top = stack[stack.length - 1]!;
    if (prop.name === "BEGIN") {
      if (++count > limits.maxItems * 4) throw new ImportFormatError(`the file holds more than ${limits.maxItems * 4} components`);
      if (stack.length > 8) throw new ImportFormatError("components nest too deep");
      const child: Component = { name: prop.value.toUpperCase(), props: [], children: [] };
      top.children.push(child);
      stack.push(child);
    } else if (prop.name === "END") {
      if (stack.length === 1 || top.name !== prop.value.toUpperCase()) throw new ImportFormatError(`not iCalendar: END:${prop.value} does not close BEGIN:${top.name || "(nothing)"}`);
      stack.pop();
    } else top.props.push(prop);
  }
  if (stack.length !== 1) throw new ImportFormatError(`not iCalendar: BEGIN:${stack[stack.length - 1]!.name} is never closed`);
  return root;
}

/** RFC 5545 3.3.11 TEXT escapes. */
const unescape = (v: string) => v.replace(/\\([\\;,nN])/g, (_m, c: string) => (c === "n" || c === "N" ? "\n" : c));

/** A DATE-TIME or DATE value as an instant: UTC with Z, in its TZID, or floating (read in the importer's zone); a DATE is its midnight. */
function instantOf(value: string, tzid: string | undefined, zone: string): string | null {
  const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z)?)?$/.exec(value.trim());
  if (!m) return null;
  const [, y, mo, d, h = "00", mi = "00", s = "00", z] = m;
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${s}`;
  const dt = DateTime.fromISO(iso, { zone: z ? "UTC" : (tzid && normaliseTimeZone(tzid)) || zone });
  return dt.isValid ? dt.toUTC().toISO() : null;
}

/** An instant moved by an RFC 5545 duration ("-PT15M"); null if either cannot be read. */
function shifted(instant: string | null, duration: string): string | null {
  const m = /^([+-])?(P.+)$/.exec(duration);
  const d = m ? Duration.fromISO(m[2]!) : null;
  if (!instant || !d || !d.isValid) return null;
  const at = DateTime.fromISO(instant, { zone: "UTC" });
  return (m![1] === "-" ? at.minus(d) : at.plus(d)).toUTC().toISO();
}

/** RFC 5545 PRIORITY: 1 highest .. 9 lowest, 0 undefined (the CUA convention: 1-4 high, 5 medium, 6-9 low). */
function priorityOf(value: string | undefined): Priority {
  const n = Number.parseInt(value ?? "0", 10);
  if (!(n >= 1 && n <= 9)) return "none";
  return n === 1 ? "urgent" : n <= 4 ? "high" : n === 5 ? "medium" : "low";
}

/** Each VTODO a task; the calendar's VEVENTs and VJOURNALs are reported, not imported. */
export function parseIcs(bytes: Uint8Array, zone: string, limits: ParseLimits): ParsedImport {
  const text = new TextDecoder("utf-8").decode(bytes);
  if (!/^\s*BEGIN:VCALENDAR/i.test(text.replace(/^\ufeff/, ""))) throw new ImportFormatError("not iCalendar: the file does not begin with BEGIN:VCALENDAR");
  const root = parseComponents(text, limits);
  const out: ParsedImport = { source: "ics", items: [], unmapped: [] };
  for (const cal of root.children.filter((c) => c.name === "VCALENDAR")) {
    for (const c of cal.children) {
      if (c.name === "VTIMEZONE") continue;
      if (c.name !== "VTODO") {
        out.unmapped.push(`${c.name} ${quote(c.props.find((p) => p.name === "SUMMARY")?.value ?? "")}: only VTODO components are imported`);
        continue;
      }
      const item = vtodo(c, zone, out.unmapped);
      if (item) out.items.push(item);
      checkCount(out.items, limits);
    }
  }
  parentsFirst(out);
  return out;
}

function vtodo(c: Component, zone: string, unmapped: string[]): ImportTask | null {
  const one = (name: string) => c.props.find((p) => p.name === name);
  const all = (name: string) => c.props.filter((p) => p.name === name);
  const uid = one("UID")?.value.trim();
  const title = unescape(one("SUMMARY")?.value ?? "").trim();
  if (!uid || !title) {
    unmapped.push(`VTODO ${quote(title || uid || "")}: it has no ${uid ? "SUMMARY" : "UID"}`);
    return null;
  }
  // RECURRENCE-ID: an overridden occurrence, which a Todogenie series cannot hold.
  if (one("RECURRENCE-ID")) {
    unmapped.push(`VTODO ${quote(title)} with RECURRENCE-ID: changed occurrences of a series are not imported`);
    return null;
  }
  const dueProp = one("DUE") ?? one("DTSTART");
  const dueAt = dueProp ? instantOf(dueProp.value, dueProp.params.TZID, zone) : null;
  if (dueProp && !dueAt) unmapped.push(`${dueProp.name} ${quote(dueProp.value)} of VTODO ${quote(title)}: not a date; imported without one`);
  const tzid = dueProp?.params.TZID && normaliseTimeZone(dueProp.params.TZID);
  if (dueProp?.params.TZID && !tzid) unmapped.push(`TZID ${quote(dueProp.params.TZID)} of VTODO ${quote(title)}: not an IANA time zone; read in yours`);
  let recurrence: ImportTask["recurrence"] = null;
  const rrule = one("RRULE");
  if (rrule) {
    const exdates = all("EXDATE").flatMap((p) => p.value.split(",").map((v) => instantOf(v, p.params.TZID, zone)).filter((v): v is string => v !== null));
    recurrence = { rrule: rrule.value.trim(), timezone: tzid || undefined, exdates };
  }
  const parentRel = all("RELATED-TO").find((p) => (p.params.RELTYPE ?? "PARENT").toUpperCase() === "PARENT");
  const status = one("STATUS")?.value.trim().toUpperCase();
  const reminders: ImportReminder[] = [];
  for (const alarm of c.children.filter((a) => a.name === "VALARM")) {
    const trigger = alarm.props.find((p) => p.name === "TRIGGER");
    if (!trigger) continue;
    if (trigger.params.VALUE?.toUpperCase() === "DATE-TIME") {
      const at = instantOf(trigger.value, undefined, zone);
      if (at) reminders.push({ at });
      else unmapped.push(`VALARM of VTODO ${quote(title)}: trigger ${quote(trigger.value)} is not a date-time`);
    } else {
      // Relative to DUE (RELATED=END), or to DTSTART (the default; with no DTSTART, clients mean DUE).
      const toEnd = (trigger.params.RELATED ?? "START").toUpperCase() === "END";
      const start = one("DTSTART");
      const anchor = toEnd ? one("DUE") : (start ?? one("DUE"));
      if (!anchor) unmapped.push(`VALARM of VTODO ${quote(title)}: relative to a ${toEnd ? "DUE" : "DTSTART"} it does not have`);
      else if (anchor === dueProp) reminders.push({ offset: trigger.value.trim() });
      else {
        // Relative to DTSTART while the due date is DUE: the alarm's instant.
        const at = shifted(instantOf(anchor.value, anchor.params.TZID, zone), trigger.value.trim());
        if (at) reminders.push({ at });
        else unmapped.push(`VALARM of VTODO ${quote(title)}: trigger ${quote(trigger.value)} is not a duration`);
      }
    }
  }
  return task({
    ref: uid,
    parentRef: parentRel ? parentRel.value.trim() : null,
    title: title.slice(0, 500),
    description: unescape(one("DESCRIPTION")?.value ?? ""),
    priority: priorityOf(one("PRIORITY")?.value),
    done: status === "COMPLETED" || Boolean(one("COMPLETED")),
    due: dueAt ? { at: dueAt } : null,
    recurrence,
    tags: all("CATEGORIES").flatMap((p) => p.value.split(/(?<!\\),/).map((t) => unescape(t).trim().toLowerCase())).filter(Boolean),
    reminders,
  });
}

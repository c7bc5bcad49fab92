import type { TaskDto } from "../../../libs/contracts";

/**
 * iCalendar (RFC 5545) for the export: one VTODO per task. A recurring task's DTSTART and DUE
 * are written in its zone (TZID, the IANA name) so its rule keeps wall-clock time across DST;
 * everything else is UTC. Text is escaped and lines folded at 75 octets, as the RFC asks.
 */
export const ICS_HEADER = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Todogenie//Export//EN", "CALSCALE:GREGORIAN"].map((l) => `${l}\r\n`).join("");
export const ICS_FOOTER = "END:VCALENDAR\r\n";

const PRIORITY: Record<TaskDto["priority"], number> = { none: 0, low: 9, medium: 5, high: 3, urgent: 1 };
const STATUS: Record<TaskDto["status"], string> = { todo: "NEEDS-ACTION", in_progress: "IN-PROCESS", done: "COMPLETED" };

const utc = (iso: string) => new Date(iso).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
const text = (value: string) => value.replace(/\\/g, "\\\\").replace(/;/g, "\\;").replace(/,/g, "\\,").replace(/\r\n|\r|\n/g, "\\n");

/** The wall-clock time of `iso` in `zone`, as iCalendar's local DATE-TIME. */
function local(iso: string, zone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-GB", { timeZone: zone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" })
      .formatToParts(new Date(iso))
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}${parts.month}${parts.day}T${parts.hour}${parts.minute}${parts.second}`;
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

export function vtodo(task: TaskDto, stamp: Date): string {
  const zone = task.recurrence?.timezone;
  const when = (name: string, iso: string) => (zone ? `${name};TZID=${zone}:${local(iso, zone)}` : `${name}:${utc(iso)}`);
  const lines = [
    "BEGIN:VTODO",
    `UID:${task.id}`,
    `DTSTAMP:${utc(stamp.toISOString())}`,
    task.createdAt && `CREATED:${utc(task.createdAt)}`,
    task.updatedAt && `LAST-MODIFIED:${utc(task.updatedAt)}`,
    `SUMMARY:${text(task.title)}`,
    task.description && `DESCRIPTION:${text(task.description)}`,
    (task.startAt ?? (task.recurrence && task.dueAt)) && when("DTSTART", (task.startAt ?? task.dueAt)!),
    task.dueAt && when("DUE", task.dueAt),
    PRIORITY[task.priority] ? `PRIORITY:${PRIORITY[task.priority]}` : undefined,
    `STATUS:${STATUS[task.status]}`,
    task.completedAt && `COMPLETED:${utc(task.completedAt)}`,
    task.tags.length ? `CATEGORIES:${task.tags.map(text).join(",")}` : undefined,
    task.recurrence && `RRULE:${task.recurrence.rrule}`,
    task.recurrence?.exdates?.length ? `EXDATE:${task.recurrence.exdates.map(utc).join(",")}` : undefined,
    ...task.reminders.flatMap((r) => [
      "BEGIN:VALARM",
      "ACTION:DISPLAY",
      `DESCRIPTION:${text(task.title)}`,
      r.at ? `TRIGGER;VALUE=DATE-TIME:${utc(r.at)}` : `TRIGGER;RELATED=END:${r.offset}`,
      "END:VALARM",
    ]),
    "END:VTODO",
  ];
  return lines.filter((l): l is string => Boolean(l)).map(fold).join("");
}

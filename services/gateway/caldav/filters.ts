import type { TaskDto } from "../../../libs/contracts";
import { applyOffset, readOffset } from "../../../libs/time";
import { ICAL } from "../export/ical";
import { child, children, is, NS, textOf, type Element } from "./xml";

/** A filter the server does not support: CalDAV's supported-filter precondition (403). */
export class UnsupportedFilter extends Error {}

type Comp = InstanceType<typeof ICAL.Component>;

/** `20261201T090000Z` → ms. */
function utcMs(text: string | null): number | undefined {
  if (!text) return undefined;
  const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})Z)?$/.exec(text);
  if (!m) throw new UnsupportedFilter(`time-range bounds are UTC date-times (e.g. 20261201T000000Z), not "${text}"`);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0));
}

const ms = (iso: string | null | undefined) => (iso ? new Date(iso).getTime() : undefined);

/**
 * RFC 4791 9.9 for a VTODO: whether it overlaps [start, end). A recurring task's series runs
 * from its current due date on, so it overlaps any range that ends after that.
 */
export function todoOverlaps(task: TaskDto, start: number, end: number): boolean {
  const dtstart = ms(task.startAt);
  const due = ms(task.dueAt);
  const completed = ms(task.completedAt);
  const created = ms(task.createdAt);
  if (task.recurrence && due !== undefined) return end > Math.min(due, dtstart ?? due);
  if (dtstart !== undefined && due !== undefined) return (start < due || start <= dtstart) && (end > dtstart || end >= due);
  if (dtstart !== undefined) return start <= dtstart && end > dtstart;
  if (due !== undefined) return start < due && end >= due;
  if (completed !== undefined && created !== undefined) return (start <= created || start <= completed) && (end >= created || end >= completed);
  if (completed !== undefined) return start <= completed && end >= completed;
  if (created !== undefined) return end > created;
  return true;
}

/** When the task's reminders fire: absolute ones at their instant, offsets from its due date (in its zone). */
function firesOf(task: TaskDto): number[] {
  return task.reminders.flatMap((r) => {
    if (r.at) return [new Date(r.at).getTime()];
    const offset = r.offset ? readOffset(r.offset) : undefined;
    if (!task.dueAt || !offset || "error" in offset) return [];
    return [applyOffset(new Date(task.dueAt), offset, task.recurrence?.timezone ?? "UTC").getTime()];
  });
}

function range(el: Element): [number, number] {
  const start = utcMs(el.getAttribute("start")) ?? -8.64e15;
  const end = utcMs(el.getAttribute("end")) ?? 8.64e15;
  return [start, end];
}

function textMatches(el: Element, values: string[]): boolean {
  const collation = el.getAttribute("collation") ?? "i;ascii-casemap";
  const fold = (s: string) => (collation === "i;octet" ? s : s.toLowerCase());
  const needle = fold(textOf(el));
  const match = values.some((v) => fold(v).includes(needle));
  return el.getAttribute("negate-condition") === "yes" ? !match : match;
}

function propValues(comp: Comp, name: string): string[] {
  return comp.getAllProperties(name).flatMap((p) => p.getValues().map((v) => String(v)));
}

function propFilter(comp: Comp, el: Element, task: TaskDto): boolean {
  const name = (el.getAttribute("name") ?? "").toLowerCase();
  const props = comp.getAllProperties(name);
  if (child(el, NS.C, "is-not-defined")) return props.length === 0;
  if (props.length === 0) return false;
  for (const f of children(el)) {
    if (is(f, NS.C, "text-match") && !textMatches(f, propValues(comp, name))) return false;
    if (is(f, NS.C, "time-range")) {
      const [start, end] = range(f);
      const at = props.map((p) => {
        const v = p.getFirstValue();
        return name === "due" ? ms(task.dueAt) : name === "dtstart" ? ms(task.startAt ?? task.dueAt) : name === "completed" ? ms(task.completedAt) : v instanceof ICAL.Time ? v.toJSDate().getTime() : undefined;
      });
      if (!at.some((t) => t !== undefined && t >= start && t < end)) return false;
    }
    if (is(f, NS.C, "param-filter")) {
      const param = (f.getAttribute("name") ?? "").toLowerCase();
      const values = props.map((p) => p.getParameter(param)).filter((v) => v !== undefined && v !== null).map(String);
      if (child(f, NS.C, "is-not-defined")) {
        if (values.length) return false;
      } else {
        if (!values.length) return false;
        const tm = child(f, NS.C, "text-match");
        if (tm && !textMatches(tm, values)) return false;
      }
    }
  }
  return true;
}

/** A comp-filter against a component (VCALENDAR at the top, VTODO and VALARM below). */
function compFilter(comp: Comp | undefined, el: Element, task: TaskDto): boolean {
  const name = (el.getAttribute("name") ?? "").toLowerCase();
  const matching = comp ? (comp.name === name ? [comp] : []) : [];
  if (child(el, NS.C, "is-not-defined")) return matching.length === 0;
  if (!matching.length) return false;
  const c = matching[0]!;
  for (const f of children(el)) {
    if (is(f, NS.C, "time-range")) {
      const [start, end] = range(f);
      if (name === "vtodo" && !todoOverlaps(task, start, end)) return false;
      if (name === "valarm" && !firesOf(task).some((t) => t >= start && t < end)) return false;
    } else if (is(f, NS.C, "prop-filter")) {
      if (!propFilter(c, f, task)) return false;
    } else if (is(f, NS.C, "comp-filter")) {
      const sub = (f.getAttribute("name") ?? "").toLowerCase();
      const subs = c.getAllSubcomponents(sub);
      const negated = Boolean(child(f, NS.C, "is-not-defined"));
      if (negated ? subs.length > 0 : !subs.some((s) => compFilter(s, f, task))) return false;
    }
  }
  return true;
}

const COLLATIONS = new Set(["i;ascii-casemap", "i;octet", "i;unicode-casemap"]);

/** Refuses a filter the server cannot evaluate (UnsupportedFilter), whether or not any task would reach it. */
export function checkFilter(el: Element | undefined): void {
  if (!el) return;
  for (const f of children(el)) {
    if (is(f, NS.C, "time-range")) range(f);
    if (is(f, NS.C, "text-match") && !COLLATIONS.has(f.getAttribute("collation") ?? "i;ascii-casemap")) throw new UnsupportedFilter(`collation ${f.getAttribute("collation")} is not supported`);
    checkFilter(f);
  }
}

/** Whether a task, as the VCALENDAR `calendar` it is served as, passes a calendar-query's `<C:filter>`. */
export function matchesFilter(filter: Element | undefined, calendar: Comp, task: TaskDto): boolean {
  if (!filter) return true;
  const top = child(filter, NS.C, "comp-filter");
  if (!top) return true;
  return compFilter(calendar, top, task);
}

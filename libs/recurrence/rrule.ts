/**
 * The RRULE value (RFC 5545 section 3.3.10) a task may carry: a strict parser that names
 * what is wrong, and the canonical text it is stored as. Time-free: no DTSTART, no zone.
 */
import type { WallClock } from "../time";

export const FREQUENCIES = ["DAILY", "WEEKLY", "MONTHLY", "YEARLY"] as const;
export type Freq = (typeof FREQUENCIES)[number];
const SUB_DAILY = ["HOURLY", "MINUTELY", "SECONDLY"];

/** RFC 5545 weekday codes; the index is rrule.js's weekday number (MO = 0). */
export const WEEKDAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"] as const;
const WEEKDAY_LIST = "MO, TU, WE, TH, FR, SA or SU";

export interface ByDay {
  weekday: number;
  /** 1MO = 1, -1FR = -1: the n-th such weekday of the month (or year) */
  n?: number;
}

/** UTC form ("20261231T235959Z") is an instant; date form ("20261231") lasts until that local day ends. */
export type Until = { kind: "instant"; at: Date } | { kind: "date"; day: WallClock };

export interface Rule {
  freq: Freq;
  interval: number;
  count?: number;
  until?: Until;
  wkst?: number;
  byday?: ByDay[];
  bymonthday?: number[];
  bymonth?: number[];
  byyearday?: number[];
  byweekno?: number[];
  bysetpos?: number[];
}

export const MAX_INTERVAL = 1000;
export const MAX_COUNT = 100_000;

type NumberListKey = "bymonth" | "byweekno" | "byyearday" | "bymonthday" | "bysetpos";
/** The numeric BYxxx parts, in the order they are written back. */
const NUMBER_LISTS: Record<string, { key: NumberListKey; max: number; signed: boolean; what: string }> = {
  BYMONTH: { key: "bymonth", max: 12, signed: false, what: "a month from 1 to 12" },
  BYWEEKNO: { key: "byweekno", max: 53, signed: true, what: "a week number from 1 to 53 or -53 to -1" },
  BYYEARDAY: { key: "byyearday", max: 366, signed: true, what: "a day of the year from 1 to 366 or -366 to -1" },
  BYMONTHDAY: { key: "bymonthday", max: 31, signed: true, what: "a day of the month from 1 to 31 or -31 to -1" },
  BYSETPOS: { key: "bysetpos", max: 366, signed: true, what: "a position from 1 to 366 or -366 to -1" },
};

/** Rule parts a task cannot use, with the reason. */
const REFUSED: Record<string, string> = {
  DTSTART: "DTSTART is not allowed in the rule: the series starts at the task's dueAt",
  TZID: "TZID is not allowed in the rule: set recurrence.timezone instead",
  BYHOUR: "BYHOUR is not supported: the time of day comes from the task's dueAt",
  BYMINUTE: "BYMINUTE is not supported: the time of day comes from the task's dueAt",
  BYSECOND: "BYSECOND is not supported: the time of day comes from the task's dueAt",
  EXDATE: "EXDATE is not a rule part: list the instants to skip in recurrence.exdates",
  RDATE: "RDATE is not supported",
};
const KNOWN = ["FREQ", "INTERVAL", "COUNT", "UNTIL", "WKST", "BYDAY", ...Object.keys(NUMBER_LISTS)];

function parseInteger(value: string, min: number, max: number): number | null {
  if (!/^[+-]?\d{1,7}$/.test(value)) return null;
  const n = Number(value);
  return n >= min && n <= max ? n : null;
}

function parseNumberList(name: string, value: string, errors: string[]): number[] {
  const spec = NUMBER_LISTS[name]!;
  const out: number[] = [];
  for (const item of value.split(",")) {
    const n = parseInteger(item, spec.signed ? -spec.max : 1, spec.max);
    if (n === null || n === 0) errors.push(`bad ${name} value "${item}": expected ${spec.what}`);
    else if (!out.includes(n)) out.push(n);
  }
  return out;
}

function parseByDay(value: string, errors: string[]): ByDay[] {
  const out: ByDay[] = [];
  for (const item of value.split(",")) {
    const m = /^([+-]?\d{1,2})?([A-Z]{2})$/.exec(item);
    const weekday = m ? WEEKDAYS.indexOf(m[2] as (typeof WEEKDAYS)[number]) : -1;
    const n = m?.[1] === undefined ? undefined : Number(m[1]);
    if (weekday < 0 || n === 0 || (n !== undefined && Math.abs(n) > 53)) {
      errors.push(`bad BYDAY value "${item}": expected a weekday (${WEEKDAY_LIST}), optionally with an ordinal like 1MO or -1FR`);
    } else if (!out.some((d) => d.weekday === weekday && d.n === n)) {
      out.push(n === undefined ? { weekday } : { weekday, n });
    }
  }
  return out;
}

function parseUntil(value: string, errors: string[]): Until | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z?))?$/.exec(value);
  if (m?.[4] !== undefined && m[7] !== "Z") {
    errors.push(`bad UNTIL value "${value}": a date-time must be in UTC, ending in Z (like ${value}Z)`);
    return undefined;
  }
  const [y, mo, d, h, mi, s] = (m ?? []).slice(1, 7).map((v) => Number(v ?? 0));
  const at = new Date(Date.UTC(y!, mo! - 1, d!, h, mi, s));
  const until: Until = m?.[4] === undefined ? { kind: "date", day: at } : { kind: "instant", at };
  // A date that does not exist (20260230) comes back as another one.
  if (!m || formatUntil(until) !== value) {
    errors.push(`bad UNTIL value "${value}": expected a UTC date-time like 20261231T235959Z or a date like 20261231`);
    return undefined;
  }
  return until;
}

/** What RFC 5545 forbids in combination, once every part is read. */
function checkCombinations(rule: Rule, errors: string[]): void {
  const { freq } = rule;
  if (rule.bymonthday && freq === "WEEKLY") errors.push("BYMONTHDAY cannot be used with FREQ=WEEKLY");
  if (rule.byyearday && freq !== "YEARLY") errors.push(`BYYEARDAY can only be used with FREQ=YEARLY, not ${freq}`);
  if (rule.byweekno && freq !== "YEARLY") errors.push(`BYWEEKNO can only be used with FREQ=YEARLY, not ${freq}`);
  const ordinals = (rule.byday ?? []).filter((d) => d.n !== undefined);
  const maxOrdinal = freq === "MONTHLY" || rule.bymonth ? 5 : 53;
  for (const d of ordinals) {
    const text = formatByDay(d);
    if (freq === "DAILY" || freq === "WEEKLY") errors.push(`BYDAY "${text}" has an ordinal, which only MONTHLY and YEARLY rules allow`);
    else if (rule.byweekno) errors.push(`BYDAY "${text}" has an ordinal, which cannot be combined with BYWEEKNO`);
    else if (Math.abs(d.n!) > maxOrdinal) {
      errors.push(`BYDAY "${text}": the ordinal must be from 1 to ${maxOrdinal} or -${maxOrdinal} to -1 ${maxOrdinal === 5 ? "within a month" : "within a year"}`);
    }
  }
  if (rule.bysetpos && !rule.byday && !rule.bymonthday && !rule.bymonth && !rule.byyearday && !rule.byweekno) {
    errors.push("BYSETPOS needs another BYxxx rule part (such as BYDAY) to choose from");
  }
  if (rule.count !== undefined && rule.until) errors.push("COUNT and UNTIL cannot both be set: the series ends by one or the other");
}

/** Parses an RRULE value such as "FREQ=WEEKLY;BYDAY=MO,WE"; names are case-insensitive. */
export function parseRule(text: string): { rule: Rule; errors: [] } | { rule?: undefined; errors: string[] } {
  const errors: string[] = [];
  const value = text.trim().toUpperCase();
  if (value === "") return { errors: ["is empty: give a rule such as FREQ=WEEKLY;BYDAY=MO"] };
  if (value.startsWith("RRULE:")) return { errors: [`must not start with "RRULE:": send the value only, e.g. "${value.slice(6)}"`] };
  if (/\s/.test(value)) return { errors: ["must not contain spaces or line breaks: one rule like FREQ=DAILY;INTERVAL=2"] };

  const draft: Partial<Rule> & { interval: number } = { interval: 1 };
  const seen = new Set<string>();
  for (const part of value.split(";")) {
    const name = /^[A-Z-]*/.exec(part)![0];
    const arg = part.slice(name.length + 1);
    if (REFUSED[name]) errors.push(REFUSED[name]!);
    else if (part === "") errors.push("has an empty rule part (a stray ;)");
    else if (name === "" || part[name.length] !== "=" || arg === "") errors.push(`"${part}" is not a NAME=VALUE rule part`);
    else if (!KNOWN.includes(name)) errors.push(`unknown rule part "${name}" (supported: ${KNOWN.join(", ")})`);
    else if (seen.has(name)) errors.push(`${name} is given more than once`);
    else {
      seen.add(name);
      parsePart(name, arg, draft, errors);
    }
  }
  if (!seen.has("FREQ")) errors.push(`FREQ is required (${FREQUENCIES.join(", ")})`);
  if (errors.length) return { errors };
  const rule = draft as Rule;
  checkCombinations(rule, errors);
  return errors.length ? { errors } : { rule, errors: [] };
}

function parsePart(name: string, arg: string, draft: Partial<Rule>, errors: string[]): void {
  switch (name) {
    case "FREQ":
      if ((FREQUENCIES as readonly string[]).includes(arg)) draft.freq = arg as Freq;
      else if (SUB_DAILY.includes(arg)) errors.push(`FREQ=${arg} is not allowed: a task cannot recur more often than daily (use ${FREQUENCIES.join(", ")})`);
      else errors.push(`unknown FREQ "${arg}" (one of ${FREQUENCIES.join(", ")})`);
      return;
    case "INTERVAL": {
      const n = parseInteger(arg, 1, MAX_INTERVAL);
      if (n === null) errors.push(`bad INTERVAL "${arg}": expected a whole number from 1 to ${MAX_INTERVAL}`);
      else draft.interval = n;
      return;
    }
    case "COUNT": {
      const n = parseInteger(arg, 1, MAX_COUNT);
      if (n === null) errors.push(`bad COUNT "${arg}": expected a whole number from 1 to ${MAX_COUNT}`);
      else draft.count = n;
      return;
    }
    case "UNTIL":
      draft.until = parseUntil(arg, errors);
      return;
    case "WKST": {
      const day = WEEKDAYS.indexOf(arg as (typeof WEEKDAYS)[number]);
      if (day < 0) errors.push(`bad WKST "${arg}": expected a weekday (${WEEKDAY_LIST})`);
      else draft.wkst = day;
      return;
    }
    case "BYDAY":
      draft.byday = parseByDay(arg, errors);
      return;
    default:
      draft[NUMBER_LISTS[name]!.key] = parseNumberList(name, arg, errors);
  }
}

function formatByDay(d: ByDay): string {
  return `${d.n ?? ""}${WEEKDAYS[d.weekday]}`;
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

function formatUntil(until: Until): string {
  const d = until.kind === "instant" ? until.at : until.day;
  const date = `${pad(d.getUTCFullYear(), 4)}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}`;
  return until.kind === "date" ? date : `${date}T${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}Z`;
}

/** The canonical text of a rule: upper case, parts in a fixed order, INTERVAL=1 left out. */
export function formatRule(rule: Rule): string {
  const parts = [`FREQ=${rule.freq}`];
  if (rule.interval !== 1) parts.push(`INTERVAL=${rule.interval}`);
  if (rule.count !== undefined) parts.push(`COUNT=${rule.count}`);
  if (rule.until) parts.push(`UNTIL=${formatUntil(rule.until)}`);
  if (rule.wkst !== undefined) parts.push(`WKST=${WEEKDAYS[rule.wkst]}`);
  for (const [name, { key }] of Object.entries(NUMBER_LISTS)) {
    if (name === "BYSETPOS") continue;
    if (rule[key]) parts.push(`${name}=${rule[key].join(",")}`);
  }
  if (rule.byday) parts.push(`BYDAY=${rule.byday.map(formatByDay).join(",")}`);
  if (rule.bysetpos) parts.push(`BYSETPOS=${rule.bysetpos.join(",")}`);
  return parts.join(";");
}

/**
 * The quick-add grammar, one for every locale (the words come from a Vocabulary). A phrase
 * is read in a fixed order, each part claiming its words (TextClaims):
 *
 *   #tag  !priority / p1..p4  +Project / +"Big Project"  @member / @"Ada Lovelace"
 *   reminders ("remind me 30 min before", "remind at 8am")
 *   a recurrence ("every 3rd friday") with its suffixes (after completion, until June, 5 times, starting <date>)
 *   "end of month", then one date and time (chrono-node: "tomorrow 5pm", "next fri", "in 3 days")
 *
 * and what no part claimed is the title. Dates are read on the caller's wall clock:
 * chrono gets "now" as the local time written as UTC, and its answer is mapped back to
 * the instant in the caller's zone, so "tomorrow 9am" is 09:00 there across DST changes.
 */
import type { ParsedResult } from "chrono-node";
import { DateTime } from "luxon";
import type { Priority } from "../../../libs/contracts";
import { describeRecurrence, firstDate, parseRecurrence } from "../../../libs/recurrence";
import { fromWallClock, toWallClock, type WallClock } from "../../../libs/time";
import { TextClaims } from "./text-claims";
import type { FreqUnit, Vocabulary } from "./vocabulary";
import type { NameRef, QuickAddFields, QuickAddParse } from "./types";

/** A date without a time of day is due at 09:00 local: a task needs an instant. */
export const DEFAULT_HOUR = 9;
const WEEKDAY_CODES = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"];
const WORKWEEK = "MO,TU,WE,TH,FR";
/** !1..!4 and p1..p4, Todoist's order: 1 is the most urgent. */
const NUMBERED_PRIORITY: Priority[] = ["urgent", "high", "medium", "low"];
const NAME = `"(?<quoted>[^"\\n]{1,100})"|(?<bare>[\\p{L}\\p{N}_.'-]{1,100})`;

interface Context {
  vocab: Vocabulary;
  /** now on the caller's wall clock */
  today: WallClock;
}

interface RuleDraft {
  parts: string[];
  /** the time of day the phrase itself gives ("every evening"), in minutes */
  minutes?: number;
  from: "due" | "completion";
  start?: WallClock;
  startHasTime?: boolean;
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const alternation = (words: string[]) => words.sort((a, b) => b.length - a.length).map(esc).join("|");

function expand(source: string, v: Vocabulary): string {
  return source
    .replaceAll("{WD}", `(?:${v.weekdays.join("|")})`)
    .replaceAll("{MON}", `(?:${v.months.join("|")})`)
    .replaceAll("{EVERY}", `(?:(?:${v.every})!?)`)
    .replaceAll("{LIST}", v.listJoin)
    .replaceAll("{ORD}", `(?:${alternation(Object.keys(v.ordinals))}|\\d{1,2}(?:st|nd|rd|th|\\.))`)
    .replaceAll("{N}", `(?:\\d{1,3}(?:st|nd|rd|th|\\.)?|${alternation(Object.keys(v.numbers))})`)
    .replaceAll("{DAY}", v.day)
    .replaceAll("{TIME}", "\\d{1,2}(?:[:.]\\d{2})?\\s?(?:am|pm|a\\.m\\.|p\\.m\\.|uhr|h)?");
}

/** The key whose pattern `word` starts with. */
const keyOf = <K extends string>(patterns: Record<K, string>, word: string): K =>
  (Object.keys(patterns) as K[]).find((k) => new RegExp(`^(?:${patterns[k]})`, "iu").test(word.trim()))!;
const indexIn = (patterns: string[], word: string) => patterns.findIndex((p) => new RegExp(`^(?:${p})$`, "iu").test(word.trim()));
const iso = (at: Date, zone: string) => DateTime.fromJSDate(at, { zone }).toISO({ suppressMilliseconds: true })!;
const wallDay = (y: number, m: number, d: number, minutes = 0) => new Date(Date.UTC(y, m, d) + minutes * 60_000);
const timeOf = (wall: WallClock) => wall.getUTCHours() * 60 + wall.getUTCMinutes();

/** "8am", "20:30", "8 Uhr" → minutes into the day. */
function readTime(text: string): number | null {
  const m = /^(\d{1,2})(?:[:.](\d{2}))?\s?(am|pm|a\.m\.|p\.m\.|uhr|h)?$/i.exec(text.trim());
  if (!m) return null;
  let hour = Number(m[1]);
  const minute = Number(m[2] ?? 0);
  const meridiem = m[3]?.toLowerCase()[0];
  if (meridiem === "p" && hour < 12) hour += 12;
  if (meridiem === "a" && hour === 12) hour = 0;
  return hour < 24 && minute < 60 ? hour * 60 + minute : null;
}

function readTokens(claims: TextClaims, ctx: Context, fields: QuickAddFields, out: { project?: NameRef; assignee?: NameRef }, ambiguities: string[]) {
  const tags: string[] = [];
  claims.each("(?<=^|\\s)#(?<tag>[\\p{L}\\p{N}_/-]{1,50})", "tags", (m) => {
    const tag = m.groups!.tag!.toLowerCase();
    if (!tags.includes(tag)) tags.push(tag);
    return true;
  }, false);
  if (tags.length) fields.tags = tags.slice(0, 50);

  const words = alternation(Object.keys(ctx.vocab.priorities));
  claims.each(`(?<=^|\\s)(?:!(?<word>${words})|!(?<n>[1-4])|p(?<p>[1-4]))(?![\\p{L}\\p{N}_])`, "priority", (m) => {
    const { word, n, p } = m.groups!;
    const priority = word ? ctx.vocab.priorities[word.toLowerCase()]! : NUMBERED_PRIORITY[Number(n ?? p) - 1]!;
    if (fields.priority && fields.priority !== priority) ambiguities.push(`several priorities: kept "${fields.priority}", ignored "${m[0]}"`);
    fields.priority ??= priority;
    return true;
  }, false);

  for (const [sigil, key] of [["\\+", "project"], ["@", "assignee"]] as const) {
    claims.each(`(?<=^|\\s)${sigil}(?:${NAME})`, key === "project" ? "projectId" : "assigneeId", (m) => {
      const raw = m.groups!.quoted ?? m.groups!.bare!.replace(/[.'-]+$/, "");
      const name = m.groups!.quoted ? raw.trim() : raw.replaceAll("_", " ");
      if (out[key]) {
        ambiguities.push(`several ${key === "project" ? "projects" : "assignees"}: kept "${out[key]!.name}", ignored "${name}"`);
        return true;
      }
      out[key] = { name, start: m.index, end: m.index + m[0].length };
      return true;
    }, false);
  }
}

function readRecurrence(claims: TextClaims, ctx: Context, ambiguities: string[]): RuleDraft | null {
  const v = ctx.vocab;
  const f = v.forms;
  const g = (m: RegExpExecArray, ...names: string[]) => names.map((n) => m.groups?.[n]).find((x) => x !== undefined);
  const interval = (word: string | undefined) => (word === undefined ? 1 : (v.numbers[word.toLowerCase()] ?? Number(word.replace(/\D/g, ""))));
  const every = (freq: FreqUnit, n: number, ...rest: string[]) => (n >= 1 && n <= 1000 ? [`FREQ=${freq}`, ...(n > 1 ? [`INTERVAL=${n}`] : []), ...rest] : null);
  const weekdays = (list: string) => {
    const names = list.split(new RegExp(v.listJoin, "iu"));
    return [...new Set(names.map((w) => indexIn(v.weekdays, w)))].sort().map((i) => WEEKDAY_CODES[i]!).join(",");
  };
  const monthDay = (text: string) => Number(text.replace(/\D/g, ""));
  const month = (text: string) => indexIn(v.months, text) + 1;
  const ordinal = (word: string, max: number) => {
    const n = v.ordinals[word.toLowerCase()] ?? Number(word.replace(/\D/g, ""));
    return Math.abs(n) <= max && n !== 0 ? n : null;
  };
  let minutes: number | undefined;
  const forms: [string, (m: RegExpExecArray) => string[] | null][] = [
    [f.lastDayOfMonth, () => every("MONTHLY", 1, "BYMONTHDAY=-1")],
    [f.nthWorkday, (m) => {
      const n = ordinal(m.groups!.ord!, 23);
      return n === null ? null : every("MONTHLY", 1, `BYDAY=${WORKWEEK}`, `BYSETPOS=${n}`);
    }],
    [f.nthWeekday, (m) => {
      const ords = g(m, "ord", "ord2")!.split(new RegExp(v.listJoin, "iu")).map((o) => ordinal(o, 5));
      const day = WEEKDAY_CODES[indexIn(v.weekdays, g(m, "wd", "wd2")!)];
      if (ords.includes(null)) return null;
      if (!m.groups?.month && new RegExp(`^(?:${v.ambiguousOrdinal})$`, "iu").test(g(m, "ord", "ord2")!)) {
        ambiguities.push(`"${m[0].trim()}" is read as the ${m.groups!.ord} ${m.groups!.wd} of each month; for every other week, say "every other ${m.groups!.wd}"`);
      }
      return every("MONTHLY", 1, `BYDAY=${[...new Set(ords)].map((n) => `${n}${day}`).join(",")}`);
    }],
    [f.workdays, (m) => every("WEEKLY", interval(m.groups?.n), `BYDAY=${WORKWEEK}`)],
    [f.weekend, () => every("WEEKLY", 1, "BYDAY=SA")],
    [f.partOfDay, (m) => {
      minutes = v.partsOfDay[g(m, "part", "part2")!.toLowerCase()];
      return every("DAILY", 1);
    }],
    [f.weekdays, (m) => every("WEEKLY", interval(m.groups?.n), `BYDAY=${weekdays(g(m, "wds", "wds2")!)}`)],
    [f.yearDate, (m) => {
      const [day, mon] = [monthDay(g(m, "day", "day2", "day3", "day4")!), month(g(m, "mon", "mon2", "mon3", "mon4")!)];
      return day <= [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mon - 1]! ? every("YEARLY", 1, `BYMONTH=${mon}`, `BYMONTHDAY=${day}`) : null;
    }],
    [f.monthDay, (m) => every("MONTHLY", 1, `BYMONTHDAY=${monthDay(g(m, "day", "day2")!)}`)],
    [f.unit, (m) => {
      const freq = keyOf(v.units, g(m, "unit", "unit2")!);
      const days = m.groups?.wds;
      if (days && freq !== "WEEKLY") return null;
      return every(freq, /fortnight|biweek/i.test(m[0]) ? 2 : interval(m.groups?.n), ...(days ? [`BYDAY=${weekdays(days)}`] : []));
    }],
  ];
  for (const [source, build] of forms) {
    let parts: string[] | null = null;
    const m = claims.first(expand(source, v), "recurrence", (m) => (parts = build(m)) !== null);
    // Todoist's "every!": from the completion
    if (m) return { parts: parts!, minutes, from: /^\S+!/.test(m[0]) ? "completion" : "due" };
  }
  return null;
}

interface DateAt {
  text: string;
  index: number;
  day: WallClock;
  /** minutes into the day, when the text names a time */
  minutes?: number;
  dayCertain: boolean;
}

/** The date at the start of `text` (spaces aside): chrono's, or a month's name alone ("June", which chrono.de misses). */
function dateAt(ctx: Context, text: string): DateAt | undefined {
  const [found] = ctx.vocab.chrono.parse(text, { instant: ctx.today, timezone: 0 }, { forwardDate: true });
  if (found && text.slice(0, found.index).trim() === "") {
    const hour = found.start.isCertain("hour");
    return { text: found.text, index: found.index, day: dayOf(found), minutes: hour ? found.start.get("hour")! * 60 + found.start.get("minute")! : undefined, dayCertain: found.start.isCertain("day") };
  }
  const m = new RegExp(`^\\s*(${ctx.vocab.months.join("|")})(?:\\s+(\\d{4}))?(?![\\p{L}\\p{N}])`, "iu").exec(text);
  if (!m) return undefined;
  const month = indexIn(ctx.vocab.months, m[1]!);
  const t = ctx.today;
  const year = m[2] ? Number(m[2]) : t.getUTCFullYear() + (month <= t.getUTCMonth() ? 1 : 0);
  return { text: m[0].trim(), index: m[0].length - m[0].trimStart().length, day: wallDay(year, month, 1), dayCertain: false };
}

const dayOf = (r: ParsedResult) => wallDay(r.start.get("year")!, r.start.get("month")! - 1, r.start.get("day")!);

function readSuffixes(claims: TextClaims, ctx: Context, rule: RuleDraft, ambiguities: string[]) {
  const v = ctx.vocab;
  if (claims.first(v.completion, "recurrence")) rule.from = "completion";
  const count = claims.first(v.count, "recurrence");
  if (count) rule.parts.push(`COUNT=${Number(count.groups!.count)}`);
  for (const [keyword, kind] of [[v.until, "until"], [v.starting, "starting"]] as const) {
    const m = new RegExp(`(?<![\\p{L}\\p{N}_])(?:${keyword})\\s`, "iu").exec(claims.visible);
    if (!m) continue;
    const after = m.index + m[0].length;
    const date = dateAt(ctx, claims.visible.slice(after));
    if (!date) continue;
    claims.claim(m.index, after + date.index + date.text.length, "recurrence");
    let day = date.day;
    if (kind === "starting") {
      rule.start = date.minutes === undefined ? day : wallDay(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), date.minutes);
      rule.startHasTime = date.minutes !== undefined;
    } else if (count) {
      ambiguities.push(`"${m[0]}${date.text}" ignored: a series ends after a number of times or at a date, not both`);
    } else {
      if (!date.dayCertain) {
        day = new Date(day.getTime() - 86_400_000);
        ambiguities.push(`"${date.text}" is read as up to the start of it: the last occurrence is on or before ${day.toISOString().slice(0, 10)}`);
      }
      rule.parts.push(`UNTIL=${day.toISOString().slice(0, 10).replaceAll("-", "")}`);
    }
  }
}

interface Reminder {
  kind: "before" | "at";
  offset?: string;
  minutes?: number;
}

function readReminders(claims: TextClaims, ctx: Context): Reminder[] {
  const v = ctx.vocab;
  const found: Reminder[] = [];
  claims.each(v.remindBefore, "reminders", (m) => {
    const amount = Number(m.groups!.amount);
    const unit = keyOf(v.durationUnits, m.groups!.unit!);
    if (amount === 0 || amount > 1000) return false;
    found.push({ kind: "before", offset: unit === "M" || unit === "H" ? `-PT${amount}${unit}` : `-P${amount}${unit}` });
    return true;
  });
  claims.each(expand(v.remindAt, v), "reminders", (m) => {
    const minutes = readTime(m.groups!.time!);
    if (minutes === null) return false;
    found.push({ kind: "at", minutes });
    return true;
  });
  return found;
}

/** "-PT9H30M": from `due` back to `minutes` into its day (the day before when that is later than the due time). */
function offsetBefore(dueWall: WallClock, minutes: number): string {
  let back = timeOf(dueWall) - minutes;
  if (back < 0) back += 24 * 60;
  if (back === 0) return "PT0M";
  const [h, m] = [Math.floor(back / 60), back % 60];
  return `-PT${h ? `${h}H` : ""}${m ? `${m}M` : ""}`;
}

function readDue(claims: TextClaims, ctx: Context, ambiguities: string[]): { day?: WallClock; minutes?: number } {
  const eom = claims.first(ctx.vocab.endOfMonth, "dueAt");
  const results = ctx.vocab.chrono.parse(claims.visible, { instant: ctx.today, timezone: 0 }, { forwardDate: true });
  const first = results[0];
  results.slice(1).forEach((r) => ambiguities.push(`"${r.text}" is another date: only the first one is used, this one stays in the title`));
  if (first) {
    const before = new RegExp(`(?<![\\p{L}\\p{N}_])(?:${ctx.vocab.datePrefix})\\s+$`, "iu").exec(claims.visible.slice(0, first.index));
    claims.claim(before ? before.index : first.index, first.index + first.text.length, "dueAt");
  }
  const t = ctx.today;
  if (eom) {
    const day = wallDay(t.getUTCFullYear(), t.getUTCMonth() + 1, 0);
    return { day, minutes: first && first.start.isCertain("hour") ? first.start.get("hour")! * 60 + first.start.get("minute")! : undefined };
  }
  if (!first) return {};
  const c = first.start;
  // "tomorrow evening" is the grammar's evening (as in "every evening"), not chrono's
  const part = Object.keys(ctx.vocab.partsOfDay).find((word) => new RegExp(word, "iu").test(first.text));
  const timed = c.isCertain("hour") || part !== undefined;
  const minutes = c.isCertain("hour") ? c.get("hour")! * 60 + c.get("minute")! : part === undefined ? undefined : ctx.vocab.partsOfDay[part];
  // chrono's "next friday" ("nächsten Freitag") is the Friday of next week; name the nearer one, which some mean.
  if (/^(?:next|nächste[nrs]?)\s/i.test(first.text) && c.isCertain("weekday") && !c.isCertain("day")) {
    const days = Math.round((dayOf(first).getTime() - wallDay(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate()).getTime()) / 86_400_000);
    if (days > 7) ambiguities.push(`"${first.text}" is read as next week's, ${dayOf(first).toISOString().slice(0, 10)}, not the coming one ${days - 7} days earlier`);
  }
  const dated = c.isCertain("day") || c.isCertain("weekday") || c.isCertain("month") || !timed;
  return { day: dated ? dayOf(first) : undefined, minutes };
}

/** Reads a phrase. `now` and `timezone` are the caller's; nothing here looks anything up. */
export function readPhrase(text: string, vocab: Vocabulary, timezone: string, now: Date): QuickAddParse {
  const ctx: Context = { vocab, today: toWallClock(now, timezone) };
  const claims = new TextClaims(text);
  const fields: QuickAddFields = { title: "" };
  const names: { project?: NameRef; assignee?: NameRef } = {};
  const ambiguities: string[] = [];

  readTokens(claims, ctx, fields, names, ambiguities);
  const reminders = readReminders(claims, ctx);
  if (new RegExp(`(?<![\\p{L}\\p{N}_])(?:${expand(vocab.subDaily, vocab)})(?![\\p{L}\\p{N}_])`, "iu").test(claims.visible)) {
    ambiguities.push("a task repeats at most daily: a repetition by hours or minutes stays in the title");
  }
  const rule = readRecurrence(claims, ctx, ambiguities);
  if (rule) readSuffixes(claims, ctx, rule, ambiguities);
  const due = readDue(claims, ctx, ambiguities);

  const t = ctx.today;
  const minutes = due.minutes ?? (rule?.startHasTime ? timeOf(rule.start!) : (rule?.minutes ?? DEFAULT_HOUR * 60));
  const day = rule?.start ?? due.day;
  let dueAt: Date | undefined;
  /** `at` minutes into today on the caller's clock, or into tomorrow once that has passed. */
  const next = (at: number) => {
    const today = fromWallClock(wallDay(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate(), at), timezone);
    return today.getTime() < now.getTime() ? fromWallClock(wallDay(t.getUTCFullYear(), t.getUTCMonth(), t.getUTCDate() + 1, at), timezone) : today;
  };
  // A time alone ("at 9am") is the next such time.
  if (day) dueAt = fromWallClock(wallDay(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), minutes), timezone);
  else if (due.minutes !== undefined) dueAt = next(minutes);
  if (rule) {
    // Without a day, the series starts with the next such time.
    const start = dueAt ?? next(minutes);
    const rrule = rule.parts.join(";");
    // Without a start date the first occurrence is the rule's next date, whatever INTERVAL's
    // phase: "every 2 weeks on monday" starts next Monday, and counts its weeks from there.
    const first = day ? firstDate(rrule, timezone, start, start) : firstDate(rrule.replace(/;INTERVAL=\d+/, ""), timezone, start, now);
    try {
      if (!first) throw new Error("no date matches it");
      const rec = parseRecurrence({ rrule, timezone, from: rule.from }, timezone, first);
      fields.recurrence = { ...rec, text: describeRecurrence(rec, first) };
      dueAt = first;
    } catch (err) {
      ambiguities.push(`the repetition "${rrule}" was left out: ${(err as Error).message}`);
    }
  }
  if (dueAt) fields.dueAt = iso(dueAt, timezone);

  const kept: NonNullable<QuickAddFields["reminders"]> = [];
  for (const r of reminders) {
    if (r.kind === "before" && !dueAt) ambiguities.push("a reminder before the due time needs a due date: it was left out");
    else if (r.kind === "before") kept.push({ offset: r.offset!, channels: ["sse"] });
    else if (dueAt) kept.push({ offset: offsetBefore(toWallClock(dueAt, timezone), r.minutes!), channels: ["sse"] });
    else kept.push({ at: iso(next(r.minutes!), timezone), channels: ["sse"] });
  }
  if (kept.length) fields.reminders = kept;

  fields.title = claims.rest().slice(0, 500);
  if (!fields.title) ambiguities.push("nothing is left for the title");
  const spans = [...claims.spans].sort((a, b) => a.start - b.start);
  return { fields, spans, ambiguities, ...names };
}

/**
 * The occurrences of a rule on the wall clock of a time zone, computed by rrule.js.
 *
 * rrule.js works in UTC, so it is fed "fake UTC" wall-clock dates (see libs/time/zoned.ts): DTSTART's
 * local date and time in the zone, written as if it were UTC. It iterates where every day
 * has 24 hours, and each result is mapped back to the real instant in the zone, so 09:00
 * stays 09:00 across daylight-saving changes. rrule.js's own COUNT, UNTIL, EXDATE and TZID
 * are not used: this module applies them to the mapped instants.
 */
import { Frequency, Options, RRule, Weekday } from "rrule";
import type { Freq, Rule, Until } from "./rrule";
import { DAY_MS, fromWallClock, msIntoDay, toWallClock, WallClock } from "../time";

/** How far any search looks ahead: a rule with nothing in that span has ended, for a task. */
export const HORIZON_YEARS = 100;
/** The Gregorian calendar repeats exactly every 400 years (146,097 days, a whole number of weeks). */
const CYCLE_MS = 146_097 * DAY_MS;
const RRULE_MAX_YEAR = 9999;

const FREQUENCY: Record<Freq, Frequency> = {
  DAILY: Frequency.DAILY,
  WEEKLY: Frequency.WEEKLY,
  MONTHLY: Frequency.MONTHLY,
  YEARLY: Frequency.YEARLY,
};

export interface SeriesSpec {
  rule: Rule;
  zone: string;
  /** skipped instants, as epoch milliseconds */
  exdates: ReadonlySet<number>;
}

export function yearsLater(wall: WallClock, years: number): WallClock {
  const later = new Date(wall);
  later.setUTCFullYear(later.getUTCFullYear() + years);
  return later;
}

/** rrule.js's weekday number (MO = 0) of a wall-clock date. */
const weekdayOf = (wall: WallClock) => (wall.getUTCDay() + 6) % 7;

/**
 * The BYxxx parts rrule.js would take from DTSTART when the rule names no day (the month
 * day for MONTHLY, the weekday for WEEKLY, month and day for YEARLY, the weekday for
 * YEARLY;BYWEEKNO), written out, so the rule means the same from any other start.
 */
export function withDefaults(rule: Rule, dtstart: WallClock): Rule {
  // BYWEEKNO names weeks, not days: the day within the week is DTSTART's (RFC 5545: what
  // the rule leaves out comes from DTSTART), not all seven, which rrule.js would give.
  if (rule.byweekno && !rule.byday && !rule.bymonthday && !rule.byyearday) return { ...rule, byday: [{ weekday: weekdayOf(dtstart) }] };
  if (rule.byweekno || rule.byyearday || rule.bymonthday || rule.byday) return rule;
  switch (rule.freq) {
    case "YEARLY":
      return { ...rule, bymonth: rule.bymonth ?? [dtstart.getUTCMonth() + 1], bymonthday: [dtstart.getUTCDate()] };
    case "MONTHLY":
      return { ...rule, bymonthday: [dtstart.getUTCDate()] };
    case "WEEKLY":
      return { ...rule, byday: [{ weekday: weekdayOf(dtstart) }] };
    default:
      return rule;
  }
}

function toOptions(rule: Rule, dtstart: Date): Partial<Options> {
  return {
    freq: FREQUENCY[rule.freq],
    interval: rule.interval,
    dtstart,
    wkst: rule.wkst ?? 0,
    byweekday: rule.byday?.map((d) => new Weekday(d.weekday, d.n)) ?? null,
    bymonthday: rule.bymonthday ?? null,
    bymonth: rule.bymonth ?? null,
    byyearday: rule.byyearday ?? null,
    byweekno: rule.byweekno ?? null,
    bysetpos: rule.bysetpos ?? null,
  };
}

/**
 * Feeds `visit` the rule's dates with DTSTART `start`, from `start` on, in order, until it
 * returns false or a date passes `end`.
 */
function ruleDates(rule: Rule, start: WallClock, end: WallClock, visit: (wall: WallClock) => boolean): void {
  if (rule.bysetpos) setPositionDates(rule, rule.bysetpos, start, end, visit);
  else rruleDates(rule, start, end, visit);
}

/**
 * rrule.js's own dates. It only checks its bounds at a date it produces, so a rule that
 * matches nothing runs on to its last year, 9999: the calendar is moved by whole 400-year
 * cycles to put `end` less than 400 years before that, which bounds every search.
 */
function rruleDates(rule: Rule, start: WallClock, end: WallClock, visit: (wall: WallClock) => boolean): void {
  const yearly = yearlyOver(rule);
  if (yearly && rule.interval === 1 && !rule.bysetpos) rule = yearly; // the same dates, a year per step
  const shift = Math.max(0, Math.floor((RRULE_MAX_YEAR - 1 - end.getUTCFullYear()) / 400)) * CYCLE_MS;
  const moved = (wall: WallClock) => new Date(wall.getTime() + shift);
  new RRule(toOptions(rule, moved(start)), true).between(moved(start), moved(end), true, (d) => visit(new Date(d.getTime() - shift)));
}

const MIDNIGHT = new Date(0);

/**
 * BYSETPOS applied here, not by rrule.js, whose release in use has two faults with it:
 * positions that pick the same date give that date twice (and it counts twice toward
 * COUNT), and a negative position past the size of the set picks its first date instead
 * of none. RFC 5545: within each period of FREQ (from the start of DTSTART's period, as
 * the set is the whole period's), the dates the other parts give form the set, ordered;
 * each position picks one (1 the first, -1 the last, none when past either end), each
 * date at most once; those before DTSTART are then dropped.
 */
function setPositionDates(rule: Rule, positions: number[], start: WallClock, end: WallClock, visit: (wall: WallClock) => boolean): void {
  const free: Rule = { ...rule, bysetpos: undefined };
  const periodOf = (wall: WallClock) => periodStart(rule, wall, 0, MIDNIGHT).getTime();
  let set: WallClock[] = [];
  let period: number | undefined;
  let going = true;
  const pick = (): boolean => {
    const picked = new Set<number>();
    for (const pos of positions) {
      const wall = set[pos > 0 ? pos - 1 : set.length + pos];
      if (wall) picked.add(wall.getTime());
    }
    for (const at of [...picked].sort((a, b) => a - b)) {
      if (at < start.getTime()) continue;
      if (at > end.getTime() || !visit(new Date(at))) return false;
    }
    return true;
  };
  // Past `end` to the end of its period, so the last period's set is whole.
  rruleDates(free, periodStart(rule, start, 0, start), periodStart(rule, end, 1, end), (wall) => {
    if (period !== undefined && periodOf(wall) !== period) {
      going = pick();
      set = [];
    }
    period = periodOf(wall);
    set.push(wall);
    return going;
  });
  if (going && set.length) pick();
}

/** Whether an occurrence lies past UNTIL: a date UNTIL by its wall-clock day, a UTC one by its instant. */
export function pastUntil(until: Until | undefined, wall: WallClock, instant: () => Date): boolean {
  if (!until) return false;
  return until.kind === "date" ? wall.getTime() >= until.day.getTime() + DAY_MS : instant().getTime() > until.at.getTime();
}

/**
 * The series in order: DTSTART first (RFC 5545: it is always the first instance, even
 * when the rule would not produce it), then the rule's later dates at their instants in
 * the zone. COUNT counts all of them, EXDATEs are skipped after counting, UNTIL ends the
 * series. `visit` sees those at or after `from`, until it returns false or HORIZON_YEARS
 * have passed.
 */
export function walkSeries(spec: SeriesSpec, dtstart: Date, from: Date, visit: (at: Date) => boolean): void {
  const { rule, zone } = spec;
  const { count, until } = rule;
  if (until?.kind === "instant" && until.at.getTime() < from.getTime()) return; // over before `from`
  const start = toWallClock(dtstart, zone);
  const fromWall = toWallClock(from, zone);
  // Dates a few days before `from` are counted without finding their instants: no UTC
  // offset spans two days, and an instant UNTIL cannot end the series before `from`.
  const skim = fromWall.getTime() - 2 * DAY_MS;
  let index = 0;
  const emit = (wall: WallClock, exact?: Date): boolean => {
    if (count !== undefined && index++ >= count) return false;
    if (wall.getTime() < skim) return !pastUntil(until, wall, () => from);
    const at = exact ?? fromWallClock(wall, zone);
    if (pastUntil(until, wall, () => at)) return false;
    return at.getTime() < from.getTime() || spec.exdates.has(at.getTime()) || visit(at);
  };
  if (!emit(start, dtstart)) return;
  const end = yearsLater(fromWall, HORIZON_YEARS);
  ruleDates(withDefaults(rule, start), start, end, (wall) => wall.getTime() <= start.getTime() || emit(wall));
}

/** The first day of the period (day, week from WKST, month, year) holding `day`, `periods` periods later, at `time`'s time of day. */
function periodStart(rule: Rule, day: WallClock, periods: number, time: WallClock): WallClock {
  const [y, m, d] = [day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate()];
  const timeOfDay = msIntoDay(time);
  const intoWeek = (weekdayOf(day) - (rule.wkst ?? 0) + 7) % 7;
  const date = {
    DAILY: () => Date.UTC(y, m, d + periods),
    WEEKLY: () => Date.UTC(y, m, d - intoWeek + 7 * periods),
    MONTHLY: () => Date.UTC(y, m + periods, 1),
    YEARLY: () => Date.UTC(y + periods, 0, 1),
  }[rule.freq]();
  return new Date(date + timeOfDay);
}

/**
 * from: "completion". The rule's step is taken from the period (day, week starting on
 * WKST, month, year, in the task's zone) in which the task was completed: the next due
 * date is the first date the rule matches from the start of the period INTERVAL periods
 * after that one, at DTSTART's local time of day, searching on period by period (INTERVAL
 * no longer applies) when that period has no match. BYxxx parts the rule leaves to
 * DTSTART (MONTHLY's day, WEEKLY's weekday, YEARLY's month and day) still come from
 * DTSTART. The result is always after `current`, the occurrence being completed, so an
 * early completion never yields the same due date again; EXDATEs are skipped; UNTIL ends
 * the series (null).
 */
export function nextFromCompletion(spec: SeriesSpec, dtstart: Date, current: Date, completedAt: Date): Date | null {
  const { rule, zone } = spec;
  const first = toWallClock(dtstart, zone);
  const anchor = periodStart(rule, toWallClock(completedAt, zone), rule.interval, first);
  const currentWall = toWallClock(current, zone);
  const end = yearsLater(anchor > currentWall ? anchor : currentWall, HORIZON_YEARS);
  const found: Date[] = [];
  ruleDates({ ...withDefaults(rule, first), interval: 1 }, anchor, end, (wall) => {
    const at = fromWallClock(wall, zone);
    if (pastUntil(rule.until, wall, () => at)) return false;
    if (at.getTime() <= current.getTime() || spec.exdates.has(at.getTime())) return true;
    found.push(at);
    return false;
  });
  return found[0] ?? null;
}

const EVERY_DAY = [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({ weekday }));

/**
 * For a DAILY or WEEKLY rule: a YEARLY rule over the same days (by month, month day,
 * weekday), INTERVAL and BYSETPOS aside. With INTERVAL=1 and no BYSETPOS it gives the
 * very same dates; otherwise a superset, so when it matches nothing neither does the
 * rule. Either way it takes a step a year, not a day.
 */
function yearlyOver(rule: Rule): Rule | null {
  if (rule.freq !== "DAILY" && rule.freq !== "WEEKLY") return null;
  return { freq: "YEARLY", interval: 1, bymonth: rule.bymonth, bymonthday: rule.bymonthday, byday: rule.byday ?? (rule.bymonthday ? undefined : EVERY_DAY) };
}

/** Whether the rule matches any date after DTSTART within HORIZON_YEARS (COUNT and UNTIL aside). */
export function matchesAfterStart(rule: Rule, zone: string, dtstart: Date): boolean {
  const start = toWallClock(dtstart, zone);
  const end = yearsLater(start, HORIZON_YEARS);
  const matches = (r: Rule) => {
    let found = false;
    ruleDates(r, start, end, (wall) => !(found = wall.getTime() > start.getTime()));
    return found;
  };
  const full = withDefaults(rule, start);
  const yearly = yearlyOver(full);
  return (yearly === null || matches(yearly)) && matches(full);
}

/**
 * Without a DTSTART: whether the days a rule names itself (BYDAY, BYMONTHDAY, BYYEARDAY,
 * BYWEEKNO, with BYMONTH and BYSETPOS) meet on some date, INTERVAL aside. A rule that
 * leaves its day to DTSTART can only be judged with one.
 */
export function daysCanMeet(rule: Rule): boolean {
  if (!(rule.byday || rule.bymonthday || rule.byyearday || rule.byweekno)) return true;
  return matchesAfterStart({ ...rule, interval: 1 }, "UTC", new Date(Date.UTC(2000, 0, 1)));
}

/**
 * The first date the rule gives at or after `from`, with DTSTART `start` setting INTERVAL's
 * phase, the days the rule leaves to DTSTART and the time of day. Unlike walkSeries, DTSTART
 * is not an occurrence unless the rule gives it: this picks where a new series starts.
 */
export function firstRuleDate(rule: Rule, zone: string, start: Date, from: Date): Date | null {
  const startWall = toWallClock(start, zone);
  const end = yearsLater(toWallClock(from, zone), HORIZON_YEARS);
  let found: Date | null = null;
  ruleDates(withDefaults(rule, startWall), startWall, end, (wall) => {
    const at = fromWallClock(wall, zone);
    if (at.getTime() < from.getTime()) return true;
    found = at;
    return false;
  });
  return found;
}

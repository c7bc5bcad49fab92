/**
 * Wall-clock time in an IANA zone, with nothing but Intl: reading an instant's local date
 * and time, and finding the instant a local date and time names (DST gaps and overlaps
 * resolved explicitly).
 */

/** A local date and time; month 1..12. */
export interface WallTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The local date and time of `instant` in `timeZone` (throws RangeError for an unknown zone). */
export function wallTime(instant: Date, timeZone: string): WallTime {
  const wall: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(instant)) {
    if (part.type !== "literal") wall[part.type] = Number(part.value);
  }
  return {
    year: wall.year!,
    month: wall.month!,
    day: wall.day!,
    hour: wall.hour!,
    minute: wall.minute!,
    second: wall.second!,
  };
}

/** The wall time as if it were UTC, in ms: a number that orders and adds like local time. */
export function wallMs(wall: WallTime): number {
  return Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
}

/** `timeZone`'s offset from UTC at `instant`, in ms (whole seconds). */
export function offsetMs(instant: number, timeZone: string): number {
  const whole = Math.floor(instant / 1000) * 1000;
  return wallMs(wallTime(new Date(whole), timeZone)) - whole;
}

const DAY_MS = 86_400_000;

/**
 * The instant at which the clocks of `timeZone` show `wall`.
 * - Overlap (clocks turned back, the wall time happens twice): the earlier instant, or
 *   the later one with `prefer: "later"`.
 * - Gap (clocks turned forward, the wall time never happens): the first instant after
 *   the gap, i.e. the transition itself (02:30 on a spring-forward night in Berlin gives
 *   03:00 CEST): the first instant whose wall time is at or past `wall`.
 */
export function zonedInstant(wall: WallTime, timeZone: string, prefer: "earlier" | "later" = "earlier"): Date {
  const local = wallMs(wall);
  const before = offsetMs(local - DAY_MS, timeZone);
  const after = offsetMs(local + DAY_MS, timeZone);
  const candidates = [...new Set([local - before, local - after])]
    .filter((t) => t + offsetMs(t, timeZone) === local)
    .sort((a, b) => a - b);
  if (candidates.length > 0) return new Date(prefer === "later" ? candidates.at(-1)! : candidates[0]!);
  // A gap: the offset grows from `before` to `after` somewhere in (local - after, local - before].
  let lo = local - after;
  let hi = local - before;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetMs(mid, timeZone) === after) hi = mid;
    else lo = mid;
  }
  return new Date(hi);
}

/** The calendar date `days` after the given one (month 1..12), across month and year ends. */
export function addDays(date: { year: number; month: number; day: number }, days: number) {
  const d = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

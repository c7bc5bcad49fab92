/**
 * Signed ISO 8601 durations, the one grammar for them (reminder offsets relative to a due
 * date: "-PT15M", "P1D", "-P1DT2H"; the API contract validates with `readOffset` too). Calendar units (years, months, weeks, days) move the wall clock in the
 * task's zone, so "-P1D" before 09:00 is 09:00 the day before even across a DST change;
 * clock units (hours, minutes, seconds) then move the instant, so "-PT1H" is always 3,600 s.
 */
import { DateTime } from "luxon";
import { fromWallClock, toWallClock } from "./zoned";

export interface Offset {
  sign: 1 | -1;
  years: number;
  months: number;
  weeks: number;
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
}

/** An offset may reach this far from the due date, either way. */
export const MAX_OFFSET_DAYS = 366;

/** Whole units only, each at most six digits, optionally signed; `readOffset` adds what a regex cannot say. */
export const ISO_DURATION = /^([+-])?P(?:(\d{1,6})Y)?(?:(\d{1,6})M)?(?:(\d{1,6})W)?(?:(\d{1,6})D)?(?:T(?:(\d{1,6})H)?(?:(\d{1,6})M)?(?:(\d{1,6})S)?)?$/;
const EXAMPLES = "like -PT15M (15 minutes before), P1D (a day after) or -P1DT2H";

/** Reads an offset, or says what is wrong with it. */
export function readOffset(text: string): Offset | { error: string } {
  const m = ISO_DURATION.exec(text);
  if (!m) {
    if (/\d[.,]\d/.test(text)) return { error: `fractions are not supported: use whole units, e.g. PT30M rather than PT0.5H` };
    return { error: `expected an ISO 8601 duration ${EXAMPLES}` };
  }
  if (text.endsWith("T")) return { error: `has a "T" with no hours, minutes or seconds after it` };
  const [years, months, weeks, days, hours, minutes, seconds] = m.slice(2).map((v) => Number(v ?? 0)) as [number, number, number, number, number, number, number];
  if (m.slice(2).every((v) => v === undefined)) return { error: `names no amount: expected a duration ${EXAMPLES}` };
  const approxDays = years * 365 + months * 31 + weeks * 7 + days + (hours + (minutes + seconds / 60) / 60) / 24;
  if (approxDays > MAX_OFFSET_DAYS) return { error: `is too long: an offset may reach at most ${MAX_OFFSET_DAYS} days from the due date` };
  return { sign: m[1] === "-" ? -1 : 1, years, months, weeks, days, hours, minutes, seconds };
}

/** The canonical text of an offset: "-P1DT2H", "PT15M", "PT0S" for none. */
export function formatOffset(o: Offset): string {
  const date = [[o.years, "Y"], [o.months, "M"], [o.weeks, "W"], [o.days, "D"]] as const;
  const time = [[o.hours, "H"], [o.minutes, "M"], [o.seconds, "S"]] as const;
  const part = (units: readonly (readonly [number, string])[]) => units.filter(([n]) => n > 0).map(([n, u]) => `${n}${u}`).join("");
  const [d, t] = [part(date), part(time)];
  if (!d && !t) return "PT0S";
  return `${o.sign < 0 ? "-" : ""}P${d}${t ? `T${t}` : ""}`;
}

/** The instant `offset` away from `due`: calendar units on the wall clock of `timezone` first, then clock units. */
export function applyOffset(due: Date, offset: Offset, timezone: string): Date {
  const { sign, years, months, weeks, days } = offset;
  let at = due;
  if (years || months || weeks || days) {
    const wall = DateTime.fromMillis(toWallClock(due, timezone).getTime(), { zone: "utc" });
    const moved = wall.plus({ years: sign * years, months: sign * months, weeks: sign * weeks, days: sign * days });
    at = fromWallClock(moved.toJSDate(), timezone);
  }
  const clockMs = ((offset.hours * 60 + offset.minutes) * 60 + offset.seconds) * 1000;
  return new Date(at.getTime() + sign * clockMs);
}

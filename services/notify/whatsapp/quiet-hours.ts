import { CLOCK_TIME } from "../../../libs/contracts";
import { addDays, wallTime, zonedInstant } from "./zoned-time";

/** A user's quiet hours: local "HH:MM" clock times in their time zone; may wrap midnight. */
export interface QuietHours {
  start: string;
  end: string;
}

function minutesOf(clock: string): number {
  if (!CLOCK_TIME.test(clock)) throw new RangeError(`not an HH:MM clock time: "${clock}"`);
  const [hours, minutes] = clock.split(":").map(Number);
  return hours! * 60 + minutes!;
}

/**
 * When the quiet period that `at` falls in ends, or null if `at` is outside quiet hours.
 *
 * Quiet hours are local wall-clock times: `at` is quiet when its wall time in `timeZone`
 * lies in [start, end) (for start > end, e.g. 22:00–07:00, that wraps midnight). The end
 * is the first instant the wall clock reads `end` again, so it stays 07:00 local across
 * DST changes; an end inside a DST gap (02:30 on a spring-forward night) becomes the
 * transition (03:00), the first instant whose wall time is past it. start == end means no
 * quiet hours (an empty window, not a whole day).
 */
export function quietHoursEnd(quiet: QuietHours, timeZone: string, at: Date): Date | null {
  const start = minutesOf(quiet.start) * 60_000;
  const end = minutesOf(quiet.end) * 60_000;
  if (start === end) return null;

  const wall = wallTime(at, timeZone);
  const sinceMidnight = (wall.hour * 3600 + wall.minute * 60 + wall.second) * 1000 + (at.getTime() % 1000);

  let endsOnDay: number;
  if (start < end) {
    if (sinceMidnight < start || sinceMidnight >= end) return null;
    endsOnDay = 0;
  } else if (sinceMidnight >= start) endsOnDay = 1;
  else if (sinceMidnight < end) endsOnDay = 0;
  else return null;

  const date = addDays(wall, endsOnDay);
  const endWall = { ...date, hour: Math.floor(end / 3_600_000), minute: (end / 60_000) % 60, second: 0 };
  const earlier = zonedInstant(endWall, timeZone, "earlier");
  // When clocks turned back, the end wall time can happen twice and `at` can lie after
  // its first occurrence (at 02:15 CET, quiet until 02:30, the 02:30 CEST is past).
  return earlier.getTime() > at.getTime() ? earlier : zonedInstant(endWall, timeZone, "later");
}

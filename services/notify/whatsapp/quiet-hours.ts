import { CLOCK_TIME } from "../../../libs/contracts";
import { DAY_MS, fromWallClock, msIntoDay, toWallClock } from "../../../libs/time";

/** A user's quiet hours: local "HH:MM" clock times in their time zone; may wrap midnight. */
export interface QuietHours {
  start: string;
  end: string;
}

function msOf(clock: string): number {
  if (!CLOCK_TIME.test(clock)) throw new RangeError(`not an HH:MM clock time: "${clock}"`);
  const [hours, minutes] = clock.split(":").map(Number);
  return (hours! * 60 + minutes!) * 60_000;
}

/**
 * When the quiet period that `at` falls in ends, or null if `at` is outside quiet hours.
 *
 * Quiet hours are local wall-clock times: `at` is quiet when its wall time in `timeZone`
 * lies in [start, end) (for start > end, e.g. 22:00–07:00, that wraps midnight). The end
 * is the first instant the wall clock reads `end` again, so it stays 07:00 local across
 * DST changes. An end inside a DST gap follows libs/time's rule for every skipped local
 * time (the one recurrences and reminder offsets use): 02:30 on a spring-forward night is
 * read with the offset before the gap, 03:30. Until then it stays quiet, though the wall
 * clock already passed 02:30 at 03:00: a message sent at 03:10 must not overtake one held
 * since 01:59. start == end means no quiet hours (an empty window, not a whole day).
 */
export function quietHoursEnd(quiet: QuietHours, timeZone: string, at: Date): Date | null {
  const start = msOf(quiet.start);
  const end = msOf(quiet.end);
  if (start === end) return null;

  const wall = toWallClock(at, timeZone);
  const sinceMidnight = msIntoDay(wall);
  const inWindow = start < end ? sinceMidnight >= start && sinceMidnight < end : sinceMidnight >= start || sinceMidnight < end;
  // The wrapping window's end is the next morning's once the evening's start has passed.
  const endsTomorrow = inWindow && start > end && sinceMidnight >= start;
  const endWall = new Date(wall.getTime() - sinceMidnight + (endsTomorrow ? DAY_MS : 0) + end);
  const earlier = fromWallClock(endWall, timeZone, "earlier");
  if (!inWindow) return sinceMidnight >= end && earlier.getTime() > at.getTime() ? earlier : null;
  // When clocks turned back, the end wall time can happen twice and `at` can lie after
  // its first occurrence (at 02:15 CET, quiet until 02:30, the 02:30 CEST is past).
  return earlier.getTime() > at.getTime() ? earlier : fromWallClock(endWall, timeZone, "later");
}

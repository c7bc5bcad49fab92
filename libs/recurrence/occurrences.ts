/**
 * Computing with a validated recurrence: its occurrences and the next due date. Free of
 * zod and of the error classes, so the web client runs the same code for its previews.
 */
import { parseRule } from "./rrule";
import { nextFromCompletion, SeriesSpec, walkSeries } from "./series";
import { inInstantRange, normaliseTimeZone } from "../time";

export const RECURRENCE_BASES = ["due", "completion"] as const;
export type RecurrenceBase = (typeof RECURRENCE_BASES)[number];

/** Normalised: canonical rrule text, canonical zone name, exdates as UTC ISO strings (ms), sorted, unique. */
export interface Recurrence {
  rrule: string;
  timezone: string;
  from: RecurrenceBase;
  exdates: string[];
}

/** A stored (already validated) recurrence, ready to compute with. */
function seriesOf(rec: Recurrence): SeriesSpec {
  const { rule, errors } = parseRule(rec.rrule);
  const zone = normaliseTimeZone(rec.timezone);
  if (!rule || !zone) throw new Error(`stored recurrence is invalid: ${[...errors, zone ? "" : `time zone "${rec.timezone}"`].join("; ")}`);
  return { rule, zone, exdates: new Set(rec.exdates.map((text) => new Date(text).getTime())) };
}

export function assertInstants(instants: Record<string, Date>): void {
  for (const [name, value] of Object.entries(instants)) {
    if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw new TypeError(`${name} must be a valid Date`);
  }
}

/**
 * The occurrences of the series starting at `dtstart` that fall at or after `from`, in
 * order, skipping exdates, ending with COUNT/UNTIL, at most `limit` of them, and none
 * more than HORIZON_YEARS after `from`.
 *
 * With from "completion" the future depends on when each occurrence gets done: `from` is
 * taken as the current due date, and the list is it followed by the due dates that
 * nextOccurrence gives if each one is completed when due. COUNT then counts the
 * `completedCount` completions already made.
 */
export function occurrencesFrom(rec: Recurrence, dtstart: Date, from: Date, limit: number, completedCount = 0): Date[] {
  assertInstants({ dtstart, from });
  if (!Number.isInteger(limit) || limit < 0) throw new RangeError("limit must be a whole number, 0 or more");
  const spec = seriesOf(rec);
  const found: Date[] = [];
  if (rec.from === "completion") {
    const remaining = Math.min(limit, (spec.rule.count ?? Infinity) - completedCount);
    for (let at: Date | null = from; at && inInstantRange(at) && found.length < remaining; at = nextFromCompletion(spec, dtstart, at, at)) found.push(at);
  } else if (limit > 0) {
    walkSeries(spec, dtstart, from, (at) => inInstantRange(at) && found.push(at) < limit);
  }
  return found;
}

/**
 * The due date after completing the occurrence `current` at `completedAt`, or null when
 * the series has ended.
 *
 * - from "due": the first occurrence of the series strictly after `current`; COUNT and
 *   UNTIL end it; `completedAt` and `completedCount` play no part.
 * - from "completion": the rule's step taken from the completion. With the completion
 *   falling in some period of the rule's FREQ (its local day; its week, starting on
 *   WKST; its month; its year), the next due date is the first date the rule matches
 *   from the start of the period INTERVAL periods later, at DTSTART's local time of day
 *   (then period by period, when that one has no match). So DAILY;INTERVAL=3 completed
 *   on Mar 6 is due Mar 9; WEEKLY;BYDAY=MO completed on a Wednesday is due the next
 *   Monday; MONTHLY;BYMONTHDAY=15 completed on Mar 20 (late) or Mar 10 (early) is due
 *   Apr 15. Day parts the rule leaves to DTSTART (MONTHLY's day, WEEKLY's weekday,
 *   YEARLY's month and day) still come from DTSTART. The result is always after
 *   `current`: completing early never gives the same due date back. COUNT counts
 *   completions: `completedCount` is how many occurrences of the series have been
 *   completed including this one, and the series ends when it reaches COUNT. UNTIL ends
 *   it too; exdates are skipped.
 */
export function nextOccurrence(rec: Recurrence, dtstart: Date, current: Date, completedAt: Date, completedCount: number): Date | null {
  assertInstants({ dtstart, current, completedAt });
  const spec = seriesOf(rec);
  if (rec.from === "completion") {
    if (spec.rule.count !== undefined && completedCount >= spec.rule.count) return null;
    return withinRange(nextFromCompletion(spec, dtstart, current, completedAt));
  }
  const found: Date[] = [];
  walkSeries(spec, dtstart, current, (at) => {
    if (at.getTime() > current.getTime()) found.push(at);
    return found.length === 0;
  });
  return withinRange(found[0] ?? null);
}

/** Every series ends at the year 9999: an occurrence past it could be stored by no one. */
function withinRange(at: Date | null): Date | null {
  return at && inInstantRange(at) ? at : null;
}

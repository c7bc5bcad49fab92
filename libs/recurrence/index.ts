/**
 * Recurrence and reminder time math for tasks: pure functions from instants to instants.
 * No clock inside: "now" is always an argument.
 *
 * A recurring task is a series: its first due date (DTSTART, the task's first `dueAt`),
 * an RFC 5545 RRULE, an IANA time zone and the instants to skip (EXDATE). Occurrences
 * keep DTSTART's local time of day in that zone across daylight-saving changes; a local
 * time that a DST gap skips moves forward by the gap (02:30 → 03:30), one that an
 * overlap repeats is the earlier instant. DTSTART is always the first occurrence and
 * counts towards COUNT (RFC 5545), even when the rule would not produce it.
 *
 *   recurrenceInput                                zod schema of the API's `recurrence` object (syntax only)
 *   parseRecurrence(input, defaultTimezone, dtstart?, path?) → Recurrence
 *                                                  validates (throws ValidationError), normalises; deeply with dtstart
 *   occurrencesFrom(rec, dtstart, from, limit, completedCount?) → Date[]: occurrences at or after `from`
 *   nextOccurrence(rec, dtstart, current, completedAt, completedCount) → Date | null
 *   parseOffset(text, path?) / applyOffset(due, offset, timezone) / formatOffset(offset)
 *                                                  reminder offsets (ISO 8601 durations)
 *
 * Searches look at most HORIZON_YEARS (100) ahead: what lies further has ended, for a task.
 * Callers keep the series' DTSTART (the first dueAt), not the current dueAt: COUNT,
 * INTERVAL and BYSETPOS count from it.
 */
import { z } from "zod";
import { FieldError, ValidationError } from "../errors";
import { formatRule, parseRule } from "./rrule";
import { daysCanMeet, HORIZON_YEARS, matchesAfterStart, nextFromCompletion, pastUntil, SeriesSpec, walkSeries } from "./series";
import { normaliseTimeZone, toWallClock } from "./zoned";

export { applyOffset, formatOffset, MAX_OFFSET_DAYS, parseOffset, readOffset, type Offset } from "./duration";
export { HORIZON_YEARS } from "./series";
export { normaliseTimeZone } from "./zoned";

export const RECURRENCE_BASES = ["due", "completion"] as const;
export type RecurrenceBase = (typeof RECURRENCE_BASES)[number];
export const MAX_EXDATES = 1000;

export interface RecurrenceInput {
  rrule: string;
  timezone?: string;
  from?: RecurrenceBase;
  exdates?: string[];
}

/** Normalised: canonical rrule text, canonical zone name, exdates as UTC ISO strings (ms), sorted, unique. */
export interface Recurrence {
  rrule: string;
  timezone: string;
  from: RecurrenceBase;
  exdates: string[];
}

const ZONE_MESSAGE = "is not an IANA time zone such as Europe/Berlin";
const INSTANT = "an ISO 8601 date-time with offset, e.g. 2026-12-01T09:00:00+01:00";

/** An instant with its offset, like the API's other instants (declared here, not taken from libs/contracts, so contracts may import this module). */
const exdate = z.iso.datetime({ offset: true, message: `must be ${INSTANT}` }).meta({ format: "date-time" });

/** The API's `recurrence` object. Checks syntax only; parseRecurrence checks it against the due date. */
export const recurrenceInput = z
  .strictObject({
    rrule: z
      .string()
      .max(500)
      .superRefine((text, ctx) => parseRule(text).errors.forEach((message) => ctx.addIssue({ code: "custom", message })))
      .meta({ description: "RFC 5545 RRULE value without the RRULE: prefix", examples: ["FREQ=WEEKLY;BYDAY=MO,WE", "FREQ=MONTHLY;BYMONTHDAY=-1"] }),
    timezone: z
      .string()
      .max(100)
      .refine((name) => normaliseTimeZone(name) !== null, ZONE_MESSAGE)
      .optional()
      .meta({ description: "IANA time zone the occurrences keep their wall-clock time in; default: the owner's" }),
    from: z.enum(RECURRENCE_BASES).default("due").meta({ description: "next occurrence from the previous due date, or from the completion" }),
    exdates: z.array(exdate).max(MAX_EXDATES).default([]).meta({ description: "occurrences to skip (RFC 5545 EXDATE)" }),
  })
  .meta({ id: "RecurrenceInput" });

/**
 * Validates a recurrence and normalises it. Throws a ValidationError listing every
 * problem, with paths under `path` ("body.recurrence.rrule", "body.recurrence.exdates.2",
 * ...). `defaultTimezone` is the owner's zone, used when the input names none.
 *
 * Given the series' start `dtstart` (the task's dueAt) it also rejects an UNTIL before
 * it and a rule with no occurrence after it within HORIZON_YEARS. Without, it can only
 * reject a rule whose own day parts never meet (BYMONTH=2;BYMONTHDAY=30): pass the due
 * date whenever there is one.
 */
export function parseRecurrence(input: RecurrenceInput, defaultTimezone: string, dtstart?: Date | null, path = "body.recurrence"): Recurrence {
  if (dtstart) assertInstants({ dtstart });
  const errors: FieldError[] = [];
  const fail = (field: string, message: string) => errors.push({ path: `${path}.${field}`, message });

  const { rule, errors: ruleErrors } = parseRule(input.rrule);
  ruleErrors.forEach((message) => fail("rrule", message));
  const zoneName = input.timezone ?? defaultTimezone;
  const timezone = normaliseTimeZone(zoneName);
  if (!timezone) fail("timezone", `"${zoneName}" ${ZONE_MESSAGE}`);
  const from = input.from ?? "due";
  if (!RECURRENCE_BASES.includes(from)) fail("from", `must be "due" or "completion"`);
  const exdates = input.exdates ?? [];
  if (exdates.length > MAX_EXDATES) fail("exdates", `lists more than ${MAX_EXDATES} instants`);
  exdates.forEach((text, i) => {
    if (!exdate.safeParse(text).success) fail(`exdates.${i}`, `"${text}" is not ${INSTANT}`);
  });

  const never = "no date matches all its parts (BYMONTH=2;BYMONTHDAY=30 never does)";
  if (rule && timezone && dtstart) {
    if (pastUntil(rule.until, toWallClock(dtstart, timezone), () => dtstart)) {
      fail("rrule", `UNTIL is before the series starts at dueAt (${dtstart.toISOString()}): the series would be empty`);
    } else if (!matchesAfterStart(rule, timezone, dtstart)) {
      fail("rrule", `produces no occurrence after dueAt (${dtstart.toISOString()}) within ${HORIZON_YEARS} years: ${never}, or INTERVAL steps over every one that does`);
    }
  } else if (rule && !daysCanMeet(rule)) {
    fail("rrule", `produces no occurrence: ${never}`);
  }
  if (errors.length || !rule || !timezone) {
    throw new ValidationError(`Invalid recurrence: ${errors.map((e) => e.message).join("; ")}`, errors);
  }
  const normalised = [...new Set(exdates.map((text) => new Date(text).toISOString()))].sort();
  return { rrule: formatRule(rule), timezone, from, exdates: normalised };
}

/** A stored (already validated) recurrence, ready to compute with. */
function seriesOf(rec: Recurrence): SeriesSpec {
  const { rule, errors } = parseRule(rec.rrule);
  const zone = normaliseTimeZone(rec.timezone);
  if (!rule || !zone) throw new Error(`stored recurrence is invalid: ${[...errors, zone ? "" : `time zone "${rec.timezone}"`].join("; ")}`);
  return { rule, zone, exdates: new Set(rec.exdates.map((text) => new Date(text).getTime())) };
}

function assertInstants(instants: Record<string, Date>): void {
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
    for (let at: Date | null = from; at && found.length < remaining; at = nextFromCompletion(spec, dtstart, at, at)) found.push(at);
  } else if (limit > 0) {
    walkSeries(spec, dtstart, from, (at) => found.push(at) < limit);
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
    return nextFromCompletion(spec, dtstart, current, completedAt);
  }
  const found: Date[] = [];
  walkSeries(spec, dtstart, current, (at) => {
    if (at.getTime() > current.getTime()) found.push(at);
    return found.length === 0;
  });
  return found[0] ?? null;
}

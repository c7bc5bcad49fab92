/**
 * Recurrence and reminder time math for tasks: pure functions from instants to instants.
 * No clock inside: "now" is always an argument.
 *
 * A recurring task is a series: its first due date (DTSTART, the task's first `dueAt`),
 * an RFC 5545 RRULE, an IANA time zone and the instants to skip (EXDATE). Occurrences
 * keep DTSTART's local time of day in that zone across daylight-saving changes; a local
 * time that a DST gap skips moves forward by the gap (02:30 → 03:30), one that an
 * overlap repeats is the earlier instant (libs/time's rule, RFC 5545's). DTSTART is always the first occurrence and
 * counts towards COUNT (RFC 5545), even when the rule would not produce it.
 *
 *   recurrenceInput                                zod schema of the API's `recurrence` object (syntax only)
 *   parseRecurrence(input, defaultTimezone, dtstart?, path?) → Recurrence
 *                                                  validates (throws ValidationError), normalises; deeply with dtstart
 *   occurrencesFrom(rec, dtstart, from, limit, completedCount?) → Date[]: occurrences at or after `from`
 *   nextOccurrence(rec, dtstart, current, completedAt, completedCount) → Date | null
 *   describeRecurrence(rec, dtstart) → "every month on the 1st at 09:00"
 *   firstDate(rrule, timezone, start, from) → Date | null: where a new series starts (quick add)
 *   parseOffset(text, path?) / applyOffset(due, offset, timezone) / formatOffset(offset)
 *                                                  reminder offsets (ISO 8601 durations)
 *
 * Searches look at most HORIZON_YEARS (100) ahead: what lies further has ended, for a task.
 * Callers keep the series' DTSTART (the first dueAt), not the current dueAt: COUNT,
 * INTERVAL and BYSETPOS count from it.
 */
import { z } from "zod";
import { FieldError, ValidationError } from "../errors";
import { inInstantRange, normaliseTimeZone, readOffset, toWallClock, type Offset } from "../time";
import { assertInstants, Recurrence, RECURRENCE_BASES, RecurrenceBase } from "./occurrences";
import { formatRule, parseRule } from "./rrule";
import { daysCanMeet, HORIZON_YEARS, matchesAfterStart, pastUntil } from "./series";

export { applyOffset, formatOffset, MAX_OFFSET_DAYS, normaliseTimeZone, readOffset, type Offset } from "../time";
export { nextOccurrence, occurrencesFrom, RECURRENCE_BASES, type Recurrence, type RecurrenceBase } from "./occurrences";
export { HORIZON_YEARS } from "./series";
export { firstDate } from "./first-date";
export { describeRecurrence } from "./describe";

export const MAX_EXDATES = 1000;

export interface RecurrenceInput {
  rrule: string;
  timezone?: string;
  from?: RecurrenceBase;
  exdates?: string[];
}

const ZONE_MESSAGE = "is not an IANA time zone such as Europe/Berlin";
const INSTANT = "an ISO 8601 date-time with offset, e.g. 2026-12-01T09:00:00+01:00";

/** An instant with its offset, like the API's other instants (declared here, not taken from libs/contracts, so contracts may import this module). */
const exdate = z.iso
  .datetime({ offset: true, message: `must be ${INSTANT}` })
  .refine((text) => inInstantRange(Date.parse(text)), "must fall within the years 0001 to 9999 (UTC)")
  .meta({ format: "date-time" });

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
    text: z.string().max(1000).optional().meta({ description: "read-only: the answer's words for the rule; ignored when sent back" }),
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

/** Parses a reminder offset; a bad one is a ValidationError at `path`. */
export function parseOffset(text: string, path = "body.offset"): Offset {
  const read = readOffset(text);
  if ("error" in read) throw new ValidationError(`Invalid offset "${text}": ${read.error}`, [{ path, message: read.error }]);
  return read;
}

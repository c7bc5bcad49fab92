import { z } from "zod";
import { ValidationError } from "../errors";
import { nextOccurrence, occurrencesFrom, parseRecurrence, Recurrence, RecurrenceInput, recurrenceInput } from "./index";

const BERLIN = "Europe/Berlin";
const NY = "America/New_York";
const utc = (text: string) => new Date(text).toISOString();
const isos = (dates: Date[]) => dates.map((d) => d.toISOString());

function rec(input: RecurrenceInput | string, dtstart: string, zone = BERLIN): Recurrence {
  return parseRecurrence(typeof input === "string" ? { rrule: input } : input, zone, new Date(dtstart));
}
function list(input: RecurrenceInput | string, dtstart: string, opts: { from?: string; limit?: number; zone?: string } = {}): string[] {
  const r = rec(input, dtstart, opts.zone);
  return isos(occurrencesFrom(r, new Date(dtstart), new Date(opts.from ?? dtstart), opts.limit ?? 100));
}

describe("wall-clock time across daylight-saving changes", () => {
  test("daily 09:00 Europe/Berlin stays 09:00 local; the UTC instant moves by an hour", () => {
    expect(list("FREQ=DAILY", "2026-03-27T09:00:00+01:00", { limit: 4 })).toEqual(
      ["2026-03-27T08:00:00Z", "2026-03-28T08:00:00Z", "2026-03-29T07:00:00Z", "2026-03-30T07:00:00Z"].map(utc),
    );
    expect(list("FREQ=DAILY", "2026-03-27T09:00:00+01:00", { from: "2026-10-23T00:00:00Z", limit: 4 })).toEqual(
      ["2026-10-23T07:00:00Z", "2026-10-24T07:00:00Z", "2026-10-25T08:00:00Z", "2026-10-26T08:00:00Z"].map(utc),
    );
  });

  test("daily 09:00 America/New_York stays 09:00 local across both changes", () => {
    const opts = { zone: NY, limit: 4 };
    expect(list("FREQ=DAILY", "2026-03-06T09:00:00-05:00", opts)).toEqual(
      ["2026-03-06T14:00:00Z", "2026-03-07T14:00:00Z", "2026-03-08T13:00:00Z", "2026-03-09T13:00:00Z"].map(utc),
    );
    expect(list("FREQ=DAILY", "2026-03-06T09:00:00-05:00", { ...opts, from: "2026-10-31T00:00:00Z", limit: 3 })).toEqual(
      ["2026-10-31T13:00:00Z", "2026-11-01T14:00:00Z", "2026-11-02T14:00:00Z"].map(utc),
    );
  });

  test("02:30 on the spring-forward day does not exist: that occurrence moves forward by the gap, to 03:30", () => {
    expect(list("FREQ=DAILY", "2026-03-28T02:30:00+01:00", { limit: 3 })).toEqual(
      ["2026-03-28T02:30:00+01:00", "2026-03-29T03:30:00+02:00", "2026-03-30T02:30:00+02:00"].map(utc),
    );
    expect(list("FREQ=WEEKLY", "2026-03-01T02:30:00-05:00", { zone: NY, limit: 3 })).toEqual(
      ["2026-03-01T02:30:00-05:00", "2026-03-08T03:30:00-04:00", "2026-03-15T02:30:00-04:00"].map(utc),
    );
  });

  test("02:30 on the fall-back day happens twice: the occurrence is the first", () => {
    expect(list("FREQ=DAILY", "2026-10-24T02:30:00+02:00", { limit: 3 })).toEqual(
      ["2026-10-24T02:30:00+02:00", "2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00"].map(utc),
    );
  });
});

describe("month ends and leap days", () => {
  const the31sts2026 = ["01-31T09:00:00+01:00", "03-31T09:00:00+02:00", "05-31T09:00:00+02:00", "07-31T09:00:00+02:00", "08-31T09:00:00+02:00", "10-31T09:00:00+01:00", "12-31T09:00:00+01:00"].map((s) => utc(`2026-${s}`));

  test("monthly on the 31st skips the months without one (RFC 5545)", () => {
    expect(list("FREQ=MONTHLY;BYMONTHDAY=31", "2026-01-31T09:00:00+01:00", { limit: 7 })).toEqual(the31sts2026);
  });

  test("Jan 31 with FREQ=MONTHLY is the 31st of each month that has one, never Feb 28", () => {
    expect(list("FREQ=MONTHLY", "2026-01-31T09:00:00+01:00", { limit: 7 })).toEqual(the31sts2026);
  });

  test("BYMONTHDAY=-1 is the last day of every month, Feb 29 in a leap year", () => {
    expect(list("FREQ=MONTHLY;BYMONTHDAY=-1", "2027-11-30T09:00:00+01:00", { limit: 5 })).toEqual(
      ["2027-11-30T09:00:00+01:00", "2027-12-31T09:00:00+01:00", "2028-01-31T09:00:00+01:00", "2028-02-29T09:00:00+01:00", "2028-03-31T09:00:00+02:00"].map(utc),
    );
  });

  test("yearly on Feb 29 occurs in leap years only, skipping 2100", () => {
    expect(list("FREQ=YEARLY", "2024-02-29T09:00:00+01:00", { limit: 4 })).toEqual(
      ["2024-02-29T09:00:00+01:00", "2028-02-29T09:00:00+01:00", "2032-02-29T09:00:00+01:00", "2036-02-29T09:00:00+01:00"].map(utc),
    );
    expect(list("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", "2096-02-29T09:00:00+01:00", { limit: 2 })).toEqual(
      ["2096-02-29T09:00:00+01:00", "2104-02-29T09:00:00+01:00"].map(utc),
    );
  });
});

describe("occurrencesFrom", () => {
  const start = "2026-06-01T09:00:00+02:00"; // a Monday

  test("lists from `from` (inclusive) onward, however long the series has run", () => {
    expect(list("FREQ=WEEKLY", start, { from: "2036-06-02T07:00:00Z", limit: 2 })).toEqual(["2036-06-02T07:00:00Z", "2036-06-09T07:00:00Z"].map(utc));
    expect(list("FREQ=WEEKLY", start, { from: "2036-06-02T07:00:00.001Z", limit: 1 })).toEqual([utc("2036-06-09T07:00:00Z")]);
  });

  test("limit 0 lists nothing; a bad limit is a programming error", () => {
    expect(list("FREQ=DAILY", start, { limit: 0 })).toEqual([]);
    expect(() => occurrencesFrom(rec("FREQ=DAILY", start), new Date(start), new Date(start), -1)).toThrow(RangeError);
  });

  test("DTSTART is the first occurrence even when the rule would not produce it", () => {
    expect(list("FREQ=MONTHLY;BYDAY=1FR", "2026-12-01T09:00:00+01:00", { limit: 3 })).toEqual(
      ["2026-12-01T09:00:00+01:00", "2026-12-04T09:00:00+01:00", "2027-01-01T09:00:00+01:00"].map(utc),
    );
  });
});

describe("EXDATE, COUNT and UNTIL", () => {
  const start = "2026-06-01T09:00:00+02:00";

  test("exdates are skipped but still count towards COUNT (RFC 5545)", () => {
    const r = rec({ rrule: "FREQ=DAILY;COUNT=5", exdates: ["2026-06-03T09:00:00+02:00", "2027-01-01T00:00:00Z"] }, start);
    expect(isos(occurrencesFrom(r, new Date(start), new Date(start), 100))).toEqual(
      ["2026-06-01T07:00:00Z", "2026-06-02T07:00:00Z", "2026-06-04T07:00:00Z", "2026-06-05T07:00:00Z"].map(utc),
    );
    expect(nextOccurrence(r, new Date(start), new Date("2026-06-02T07:00:00Z"), new Date("2026-06-02T08:00:00Z"), 2)).toEqual(new Date("2026-06-04T07:00:00Z"));
  });

  test("COUNT ends the series: nextOccurrence after the last is null", () => {
    const r = rec("FREQ=DAILY;COUNT=3", start);
    const done = new Date("2026-06-10T00:00:00Z");
    expect(nextOccurrence(r, new Date(start), new Date("2026-06-02T07:00:00Z"), done, 2)).toEqual(new Date("2026-06-03T07:00:00Z"));
    expect(nextOccurrence(r, new Date(start), new Date("2026-06-03T07:00:00Z"), done, 3)).toBeNull();
  });

  test("UNTIL (inclusive) ends the series, as a UTC instant or as a local date", () => {
    for (const until of ["20260615T070000Z", "20260615"]) {
      const r = rec(`FREQ=WEEKLY;UNTIL=${until}`, start);
      expect(isos(occurrencesFrom(r, new Date(start), new Date(start), 100))).toEqual(
        ["2026-06-01T07:00:00Z", "2026-06-08T07:00:00Z", "2026-06-15T07:00:00Z"].map(utc),
      );
      expect(nextOccurrence(r, new Date(start), new Date("2026-06-15T07:00:00Z"), new Date("2026-06-15T08:00:00Z"), 3)).toBeNull();
    }
  });

  test('from "due": the first occurrence after the current one, whenever it is completed', () => {
    const r = rec("FREQ=WEEKLY;BYDAY=MO,TH", start);
    const current = new Date("2026-06-04T07:00:00Z"); // Thursday
    expect(nextOccurrence(r, new Date(start), current, new Date("2026-06-20T12:00:00Z"), 1)).toEqual(new Date("2026-06-08T07:00:00Z"));
    expect(nextOccurrence(r, new Date(start), current, new Date("2026-06-01T12:00:00Z"), 1)).toEqual(new Date("2026-06-08T07:00:00Z"));
  });
});

describe('from "completion"', () => {
  const start = "2026-03-02T09:00:00+01:00"; // Monday
  function next(rrule: string, current: string, completedAt: string, completedCount = 1, exdates: string[] = []): string | null {
    const r = rec({ rrule, from: "completion", exdates }, start);
    return nextOccurrence(r, new Date(start), new Date(current), new Date(completedAt), completedCount)?.toISOString() ?? null;
  }

  test("DAILY;INTERVAL=3: three days after the local day of completion, at DTSTART's time", () => {
    const current = "2026-03-05T09:00:00+01:00";
    expect(next("FREQ=DAILY;INTERVAL=3", current, "2026-03-06T20:00:00+01:00")).toBe(utc("2026-03-09T09:00:00+01:00")); // late
    expect(next("FREQ=DAILY;INTERVAL=3", current, "2026-03-04T10:00:00+01:00")).toBe(utc("2026-03-07T09:00:00+01:00")); // early
    // the completion's day is the local one: 23:30 UTC on Mar 6 is already Mar 7 in Berlin
    expect(next("FREQ=DAILY;INTERVAL=3", current, "2026-03-06T23:30:00Z")).toBe(utc("2026-03-10T09:00:00+01:00"));
    // across the spring-forward change: still 09:00 local
    expect(next("FREQ=DAILY;INTERVAL=3", "2026-03-26T09:00:00+01:00", "2026-03-27T18:00:00+01:00")).toBe(utc("2026-03-30T09:00:00+02:00"));
  });

  test("never at or before the occurrence being completed, however early the completion", () => {
    expect(next("FREQ=DAILY;INTERVAL=3", "2026-03-05T09:00:00+01:00", "2026-03-01T12:00:00+01:00")).toBe(utc("2026-03-06T09:00:00+01:00"));
  });

  test("WEEKLY;BYDAY=MO: the Monday of the week after the completion's week", () => {
    const current = "2026-03-09T09:00:00+01:00";
    expect(next("FREQ=WEEKLY;BYDAY=MO", current, "2026-03-11T15:00:00+01:00")).toBe(utc("2026-03-16T09:00:00+01:00")); // late, Wednesday
    expect(next("FREQ=WEEKLY;BYDAY=MO", current, "2026-03-09T08:00:00+01:00")).toBe(utc("2026-03-16T09:00:00+01:00")); // early, same day
    expect(next("FREQ=WEEKLY;BYDAY=MO", current, "2026-03-08T20:00:00+01:00")).toBe(utc("2026-03-16T09:00:00+01:00")); // early, Sunday before
  });

  test("WEEKLY;INTERVAL=2;BYDAY=MO,TH: the first match two weeks after the completion's week", () => {
    const current = "2026-03-05T09:00:00+01:00"; // Thursday
    expect(next("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH", current, "2026-03-06T10:00:00+01:00")).toBe(utc("2026-03-16T09:00:00+01:00"));
    // completed late, in the week of Mar 16: from "due" would say Mar 16, from completion says Mar 30
    expect(next("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH", current, "2026-03-17T10:00:00+01:00")).toBe(utc("2026-03-30T09:00:00+02:00"));
  });

  test("MONTHLY: DTSTART's day of the month in the month after the completion's", () => {
    const s = "2026-01-15T09:00:00+01:00";
    const nextMonthly = (completedAt: string) =>
      nextOccurrence(rec({ rrule: "FREQ=MONTHLY", from: "completion" }, s), new Date(s), new Date("2026-03-15T09:00:00+01:00"), new Date(completedAt), 3)?.toISOString();
    expect(nextMonthly("2026-03-20T12:00:00+01:00")).toBe(utc("2026-04-15T09:00:00+02:00")); // late
    expect(nextMonthly("2026-03-10T12:00:00+01:00")).toBe(utc("2026-04-15T09:00:00+02:00")); // early
    expect(nextMonthly("2026-04-20T12:00:00+02:00")).toBe(utc("2026-05-15T09:00:00+02:00")); // a month late
  });

  test("a period without a match moves on period by period: BYMONTHDAY=31 completed in January is due Mar 31", () => {
    expect(next("FREQ=MONTHLY;BYMONTHDAY=31", "2026-03-02T09:00:00+01:00", "2026-01-31T12:00:00+01:00")).toBe(utc("2026-03-31T09:00:00+02:00"));
  });

  test("occurrencesFrom lists the current due date and those that follow if each is completed when due", () => {
    const project = (rrule: string, from: string, completedCount = 0) =>
      isos(occurrencesFrom(rec({ rrule, from: "completion" }, start), new Date(start), new Date(from), 3, completedCount));
    expect(project("FREQ=DAILY;INTERVAL=3", "2026-03-09T09:00:00+01:00")).toEqual(
      ["2026-03-09T09:00:00+01:00", "2026-03-12T09:00:00+01:00", "2026-03-15T09:00:00+01:00"].map(utc),
    );
    expect(project("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH", "2026-03-05T09:00:00+01:00")).toEqual(
      ["2026-03-05T09:00:00+01:00", "2026-03-16T09:00:00+01:00", "2026-03-30T09:00:00+02:00"].map(utc),
    );
    // COUNT=3 with one completion made: the current due date and one more
    expect(project("FREQ=DAILY;INTERVAL=3;COUNT=3", "2026-03-09T09:00:00+01:00", 1)).toEqual(["2026-03-09T09:00:00+01:00", "2026-03-12T09:00:00+01:00"].map(utc));
  });

  test("COUNT counts completions; UNTIL ends the series; exdates are skipped", () => {
    const current = "2026-03-05T09:00:00+01:00";
    expect(next("FREQ=DAILY;COUNT=3", current, "2026-03-05T10:00:00+01:00", 2)).toBe(utc("2026-03-06T09:00:00+01:00"));
    expect(next("FREQ=DAILY;COUNT=3", current, "2026-03-05T10:00:00+01:00", 3)).toBeNull();
    expect(next("FREQ=DAILY;INTERVAL=3;UNTIL=20260310T235959Z", current, "2026-03-08T10:00:00+01:00")).toBeNull();
    expect(next("FREQ=DAILY;INTERVAL=3", current, "2026-03-06T10:00:00+01:00", 1, ["2026-03-09T09:00:00+01:00"])).toBe(utc("2026-03-10T09:00:00+01:00"));
  });
});

describe("parseRecurrence", () => {
  const dtstart = new Date("2026-06-01T09:00:00+02:00");

  test("normalises: canonical rule text, zone spelling, exdates as sorted unique UTC instants, from defaulting to due", () => {
    const input = {
      rrule: "freq=monthly;byday=+1mo,-1fr;interval=1",
      timezone: "europe/berlin",
      exdates: ["2026-07-03T09:00:00+02:00", "2026-06-05T07:00:00Z", "2026-07-03T07:00:00.000Z"],
    };
    const normalised = parseRecurrence(input, NY, dtstart);
    expect(normalised).toEqual({
      rrule: "FREQ=MONTHLY;BYDAY=1MO,-1FR",
      timezone: BERLIN,
      from: "due",
      exdates: ["2026-06-05T07:00:00.000Z", "2026-07-03T07:00:00.000Z"],
    });
    expect(parseRecurrence(normalised, NY, dtstart)).toEqual(normalised);
  });

  test("the owner's zone is the default", () => {
    expect(parseRecurrence({ rrule: "FREQ=DAILY" }, NY, dtstart).timezone).toBe(NY);
  });

  function rejection(input: Partial<RecurrenceInput>, zone = BERLIN, start: Date | null = dtstart): ValidationError {
    try {
      parseRecurrence({ rrule: "FREQ=DAILY", ...input }, zone, start);
    } catch (e) {
      expect(e).toBeInstanceOf(ValidationError);
      return e as ValidationError;
    }
    throw new Error("expected a ValidationError");
  }
  const fieldErrors = (e: ValidationError) => (e.data as { errors: { path: string; message: string }[] }).errors;

  test.each([
    ["", /is empty/],
    ["RRULE:FREQ=DAILY", /must not start with "RRULE:".*"FREQ=DAILY"/],
    ["FREQ=FORTNIGHTLY", /unknown FREQ "FORTNIGHTLY"/],
    ["FREQ=HOURLY", /FREQ=HOURLY is not allowed: a task cannot recur more often than daily/],
    ["FREQ=MINUTELY;INTERVAL=30", /cannot recur more often than daily/],
    ["FREQ=SECONDLY", /cannot recur more often than daily/],
    ["INTERVAL=2", /FREQ is required/],
    ["FREQ=DAILY;FREQ=WEEKLY", /FREQ is given more than once/],
    ["FREQ=DAILY;", /empty rule part/],
    ["FREQ=DAILY;COUNT", /"COUNT" is not a NAME=VALUE rule part/],
    ["FREQ=WEEKLY;BYDAY=MO,XX", /bad BYDAY value "XX"/],
    ["FREQ=MONTHLY;BYDAY=0MO", /bad BYDAY value "0MO"/],
    ["FREQ=WEEKLY;BYDAY=1MO", /BYDAY "1MO" has an ordinal, which only MONTHLY and YEARLY rules allow/],
    ["FREQ=MONTHLY;BYDAY=6MO", /ordinal must be from 1 to 5/],
    ["FREQ=YEARLY;BYWEEKNO=20;BYDAY=1MO", /cannot be combined with BYWEEKNO/],
    ["FREQ=DAILY;DTSTART=20260601T090000", /DTSTART is not allowed.*dueAt/],
    ["DTSTART:20260601T090000;FREQ=DAILY", /DTSTART is not allowed/],
    ["FREQ=DAILY;TZID=Europe/Berlin", /TZID is not allowed.*recurrence.timezone/],
    ["FREQ=DAILY;COUNT=3;UNTIL=20270101T000000Z", /COUNT and UNTIL cannot both be set/],
    ["FREQ=DAILY;BYHOUR=9", /BYHOUR is not supported: the time of day comes from the task's dueAt/],
    ["FREQ=DAILY;EXDATE=20260602T070000Z", /recurrence.exdates/],
    ["FREQ=DAILY;BYEASTER=0", /unknown rule part "BYEASTER"/],
    ["FREQ=DAILY;INTERVAL=0", /bad INTERVAL "0"/],
    ["FREQ=DAILY;INTERVAL=two", /bad INTERVAL "TWO"/],
    ["FREQ=DAILY;COUNT=0", /bad COUNT "0"/],
    ["FREQ=DAILY;UNTIL=20261301", /bad UNTIL value "20261301"/],
    ["FREQ=DAILY;UNTIL=20270230T000000Z", /bad UNTIL value/],
    ["FREQ=DAILY;UNTIL=20261231T235959", /must be in UTC, ending in Z/],
    ["FREQ=WEEKLY;WKST=XX", /bad WKST "XX"/],
    ["FREQ=MONTHLY;BYMONTHDAY=32", /bad BYMONTHDAY value "32": expected a day of the month/],
    ["FREQ=MONTHLY;BYMONTHDAY=0", /bad BYMONTHDAY value "0"/],
    ["FREQ=YEARLY;BYMONTH=13", /bad BYMONTH value "13"/],
    ["FREQ=YEARLY;BYYEARDAY=367", /bad BYYEARDAY value "367"/],
    ["FREQ=YEARLY;BYWEEKNO=54", /bad BYWEEKNO value "54"/],
    ["FREQ=MONTHLY;BYDAY=MO;BYSETPOS=0", /bad BYSETPOS value "0"/],
    ["FREQ=WEEKLY;BYMONTHDAY=1", /BYMONTHDAY cannot be used with FREQ=WEEKLY/],
    ["FREQ=MONTHLY;BYYEARDAY=1", /BYYEARDAY can only be used with FREQ=YEARLY/],
    ["FREQ=MONTHLY;BYWEEKNO=1", /BYWEEKNO can only be used with FREQ=YEARLY/],
    ["FREQ=MONTHLY;BYSETPOS=1", /BYSETPOS needs another BYxxx rule part/],
    ["FREQ=DAILY BYDAY=MO", /must not contain spaces/],
    ["FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30", /produces no occurrence after dueAt .* within 100 years/],
    ["FREQ=DAILY;BYMONTH=4;BYMONTHDAY=31", /produces no occurrence/],
    ["FREQ=DAILY;INTERVAL=7;BYDAY=TU", /produces no occurrence/], // dtstart is a Monday: every 7th day is a Monday
    ["FREQ=YEARLY;INTERVAL=150", /produces no occurrence/],
    ["FREQ=DAILY;UNTIL=20260101T000000Z", /UNTIL is before the series starts at dueAt/],
  ])("rejects %j", (rrule, message) => {
    const e = rejection({ rrule });
    expect(e.code).toBe(422);
    expect(e.type).toBe("VALIDATION");
    expect(fieldErrors(e)).toEqual([{ path: "body.recurrence.rrule", message: expect.stringMatching(message) }]);
    expect(e.message).toMatch(message);
  });

  test("without a dtstart, checks what it can: syntax, and day parts that never meet", () => {
    expect(parseRecurrence({ rrule: "FREQ=YEARLY;BYMONTH=2" }, BERLIN)).toMatchObject({ rrule: "FREQ=YEARLY;BYMONTH=2" });
    expect(parseRecurrence({ rrule: "FREQ=MONTHLY;BYMONTHDAY=29;BYMONTH=2;BYDAY=MO" }, BERLIN, null).timezone).toBe(BERLIN);
    expect(fieldErrors(rejection({ rrule: "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30" }, BERLIN, null))).toEqual([
      { path: "body.recurrence.rrule", message: expect.stringMatching(/^produces no occurrence: no date matches all its parts/) },
    ]);
    expect(fieldErrors(rejection({ rrule: "FREQ=HOURLY" }, BERLIN, null))[0]!.message).toMatch(/more often than daily/);
  });

  test("rejects a zone that is not IANA, given or the owner's default, at body.recurrence.timezone", () => {
    expect(fieldErrors(rejection({ timezone: "Mars/Olympus_Mons" }))).toEqual([
      { path: "body.recurrence.timezone", message: '"Mars/Olympus_Mons" is not an IANA time zone such as Europe/Berlin' },
    ]);
    expect(fieldErrors(rejection({ timezone: "+01:00" }))[0]!.path).toBe("body.recurrence.timezone");
    expect(fieldErrors(rejection({}, "Nowhere/Land"))[0]!.path).toBe("body.recurrence.timezone");
  });

  test("rejects exdates that are not ISO 8601 instants with an offset, naming each", () => {
    expect(fieldErrors(rejection({ exdates: ["2026-06-02T07:00:00Z", "2026-06-03T09:00:00", "tomorrow"] }))).toEqual([
      { path: "body.recurrence.exdates.1", message: expect.stringMatching(/"2026-06-03T09:00:00" is not an ISO 8601 date-time with offset/) },
      { path: "body.recurrence.exdates.2", message: expect.stringMatching(/"tomorrow" is not/) },
    ]);
  });

  test("lists every problem at once, under the path it is given", () => {
    try {
      parseRecurrence({ rrule: "FREQ=HOURLY", timezone: "Nowhere/Land", exdates: ["x"] }, BERLIN, dtstart, "body.tasks.0.recurrence");
      throw new Error("expected a ValidationError");
    } catch (e) {
      expect(fieldErrors(e as ValidationError).map((f) => f.path)).toEqual([
        "body.tasks.0.recurrence.rrule",
        "body.tasks.0.recurrence.timezone",
        "body.tasks.0.recurrence.exdates.0",
      ]);
    }
  });
});

describe("recurrenceInput (zod schema for the API)", () => {
  test("accepts the API's object and fills the defaults", () => {
    expect(recurrenceInput.parse({ rrule: "FREQ=MONTHLY;BYMONTHDAY=1", timezone: BERLIN })).toEqual({
      rrule: "FREQ=MONTHLY;BYMONTHDAY=1",
      timezone: BERLIN,
      from: "due",
      exdates: [],
    });
  });

  test("rejects unknown fields, bad syntax, unknown zones and bad exdates, each at its path", () => {
    const result = recurrenceInput.safeParse({ rrule: "FREQ=HOURLY", timezone: "Nowhere/Land", exdates: ["yesterday"], from: "start", ownerId: "x" });
    expect(result.success).toBe(false);
    const issues = result.error!.issues.map((i) => ({ path: i.path.join("."), code: i.code }));
    expect(issues).toEqual(
      expect.arrayContaining([
        { path: "", code: "unrecognized_keys" },
        { path: "rrule", code: "custom" },
        { path: "timezone", code: "custom" },
        { path: "from", code: "invalid_value" },
        { path: "exdates.0", code: "invalid_format" },
      ]),
    );
    expect(result.error!.issues.find((i) => i.path[0] === "rrule")!.message).toMatch(/more often than daily/);
  });

  test("converts to JSON Schema for OpenAPI", () => {
    type ObjectSchema = { properties: Record<string, unknown>; required: string[]; additionalProperties: boolean };
    const generated = z.toJSONSchema(recurrenceInput, { io: "input" }) as { $defs: Record<string, ObjectSchema> };
    const schema = generated.$defs.RecurrenceInput!; // a named component, as the gateway's OpenAPI document hoists it
    expect(Object.keys(schema.properties)).toEqual(["rrule", "timezone", "from", "exdates", "text"]);
    expect(schema.required).toEqual(["rrule"]);
    expect(schema.additionalProperties).toBe(false);
  });
});

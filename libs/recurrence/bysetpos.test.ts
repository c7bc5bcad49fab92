/**
 * BYSETPOS, applied by our module rather than rrule.js (whose release in use repeats a date
 * two positions pick, and picks the first date for a negative position past the set).
 * Expected dates are RFC 5545's meaning, worked out by hand.
 */
import { nextOccurrence, occurrencesFrom, parseRecurrence } from "./index";

const days = (dates: Date[], zone: string) =>
  dates.map((d) => new Intl.DateTimeFormat("sv-SE", { timeZone: zone, dateStyle: "short", timeStyle: "short" }).format(d));

function series(rrule: string, dtstart: string, zone: string, limit = 1000): string[] {
  const start = new Date(dtstart);
  const rec = parseRecurrence({ rrule }, zone, start);
  return days(occurrencesFrom(rec, start, start, limit), zone);
}

describe("BYSETPOS: two positions picking the same date", () => {
  test("MONTHLY;BYMONTHDAY=15;BYSETPOS=1,-1 is once a month, not twice", () => {
    expect(series("FREQ=MONTHLY;BYMONTHDAY=15;BYSETPOS=1,-1", "2026-01-15T09:00:00+01:00", "Europe/Berlin", 4)).toEqual([
      "2026-01-15 09:00", "2026-02-15 09:00", "2026-03-15 09:00", "2026-04-15 09:00",
    ]);
  });

  test("WEEKLY;BYDAY=TU;BYSETPOS=-1,1;COUNT=3 has three distinct Tuesdays, and completing them ends the series at the third", () => {
    const start = new Date("2026-01-06T09:00:00Z");
    const rec = parseRecurrence({ rrule: "FREQ=WEEKLY;BYDAY=TU;BYSETPOS=-1,1;COUNT=3" }, "UTC", start);
    expect(days(occurrencesFrom(rec, start, start, 10), "UTC")).toEqual(["2026-01-06 09:00", "2026-01-13 09:00", "2026-01-20 09:00"]);
    const second = nextOccurrence(rec, start, start, start, 1)!;
    const third = nextOccurrence(rec, start, second, second, 2)!;
    expect(days([second, third], "UTC")).toEqual(["2026-01-13 09:00", "2026-01-20 09:00"]);
    expect(nextOccurrence(rec, start, third, third, 3)).toBeNull();
  });
});

describe("BYSETPOS: a position past the size of the set picks nothing", () => {
  test("WEEKLY;BYDAY=TH;BYSETPOS=-2 has no occurrence and is refused like any rule without one", () => {
    expect(() => parseRecurrence({ rrule: "FREQ=WEEKLY;BYDAY=TH;BYSETPOS=-2" }, "UTC", new Date("2026-01-01T09:00:00Z"))).toThrow(/produces no occurrence/);
    expect(() => parseRecurrence({ rrule: "FREQ=WEEKLY;BYDAY=TH;BYSETPOS=2" }, "UTC", new Date("2026-01-01T09:00:00Z"))).toThrow(/produces no occurrence/);
    expect(() => parseRecurrence({ rrule: "FREQ=WEEKLY;BYDAY=TH;BYSETPOS=-2" }, "UTC")).toThrow(/produces no occurrence/);
  });

  test("MONTHLY;BYDAY=MO;BYSETPOS=5,-5 only in months with five Mondays, each once", () => {
    expect(series("FREQ=MONTHLY;BYDAY=MO;BYSETPOS=5,-5", "2026-01-01T09:00:00Z", "UTC", 8)).toEqual([
      "2026-01-01 09:00", // DTSTART is always the first occurrence
      "2026-03-02 09:00", "2026-03-30 09:00", "2026-06-01 09:00", "2026-06-29 09:00",
      "2026-08-03 09:00", "2026-08-31 09:00", "2026-11-02 09:00",
    ]);
  });
});

describe("BYSETPOS as RFC 5545 means it, in time zones and across DST", () => {
  test("the last weekday of the month, 09:00 in Berlin across the October and March changes", () => {
    expect(series("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", "2026-09-30T09:00:00+02:00", "Europe/Berlin", 7)).toEqual([
      "2026-09-30 09:00", "2026-10-30 09:00", "2026-11-30 09:00", "2026-12-31 09:00",
      "2027-01-29 09:00", "2027-02-26 09:00", "2027-03-31 09:00",
    ]);
  });

  test("the second-to-last weekday of the month in New York (RFC 5545's example, 1997-98)", () => {
    expect(series("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-2", "1997-09-29T09:00:00-04:00", "America/New_York", 7)).toEqual([
      "1997-09-29 09:00", "1997-10-30 09:00", "1997-11-27 09:00", "1997-12-30 09:00",
      "1998-01-29 09:00", "1998-02-26 09:00", "1998-03-30 09:00",
    ]);
  });

  test("the set is the whole period, even the days before DTSTART: BYSETPOS=1 from mid-month starts next month", () => {
    expect(series("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=1", "2026-03-10T08:30:00+05:30", "Asia/Kolkata", 3)).toEqual([
      "2026-03-10 08:30", "2026-04-01 08:30", "2026-05-01 08:30",
    ]);
  });

  test("the first and last weekend day of every other month, with COUNT counting each date once", () => {
    expect(series("FREQ=MONTHLY;INTERVAL=2;BYDAY=SA,SU;BYSETPOS=1,-1,1;COUNT=5", "2026-01-03T10:00:00-03:30", "America/St_Johns")).toEqual([
      "2026-01-03 10:00", "2026-01-31 10:00", "2026-03-01 10:00", "2026-03-29 10:00", "2026-05-02 10:00",
    ]);
  });

  test("YEARLY: the last Friday of the year; DAILY: BYSETPOS=1 keeps each day, BYSETPOS=2 none", () => {
    expect(series("FREQ=YEARLY;BYDAY=FR;BYSETPOS=-1", "2026-12-25T18:00:00+11:00", "Australia/Sydney", 3)).toEqual([
      "2026-12-25 18:00", "2027-12-31 18:00", "2028-12-29 18:00",
    ]);
    expect(series("FREQ=DAILY;BYDAY=MO,FR;BYSETPOS=1", "2026-03-27T09:00:00+01:00", "Europe/Berlin", 3)).toEqual([
      "2026-03-27 09:00", "2026-03-30 09:00", "2026-04-03 09:00",
    ]);
    expect(() => parseRecurrence({ rrule: "FREQ=DAILY;BYDAY=MO;BYSETPOS=2" }, "UTC", new Date("2026-01-05T09:00:00Z"))).toThrow(/produces no occurrence/);
  });

  test('from "completion" picks by position too', () => {
    const start = new Date("2026-01-30T09:00:00Z");
    const rec = parseRecurrence({ rrule: "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1,-1", from: "completion" }, "UTC", start);
    expect(days([nextOccurrence(rec, start, start, new Date("2026-02-03T12:00:00Z"), 1)!], "UTC")).toEqual(["2026-03-31 09:00"]);
  });
});

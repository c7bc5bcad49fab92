/**
 * The examples of RFC 5545 section 3.8.5.3 that fit a task (no HOURLY/MINUTELY, no BYHOUR),
 * with the RFC's DTSTART;TZID=America/New_York and the local dates and offsets it lists,
 * across the 1997-10-26 (and later) daylight-saving changes.
 */
import { occurrencesFrom, parseRecurrence } from "./index";

const NY = "America/New_York";
const pad = (n: number | string) => String(n).padStart(2, "0");

/** The RFC's "(1997 9:00 AM EDT) September 2,4" as instants: ny(1997, "EDT", { 9: [2, 4] }). */
function ny(year: number, zone: "EDT" | "EST", days: Record<number, number[]>): string[] {
  const offset = zone === "EDT" ? "-04:00" : "-05:00";
  return Object.entries(days).flatMap(([month, ds]) => ds.map((d) => new Date(`${year}-${pad(month)}-${pad(d)}T09:00:00${offset}`).toISOString()));
}
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** The series from DTSTART (local 09:00 in New York), at most `limit` occurrences. */
function series(rrule: string, dtstart: string, limit: number, exdates: string[] = []): string[] {
  const start = new Date(dtstart);
  const rec = parseRecurrence({ rrule, exdates }, NY, start);
  return occurrencesFrom(rec, start, start, limit).map((d) => d.toISOString());
}

const SEP_2 = "1997-09-02T09:00:00-04:00";
const ALL = 1000; // more than any finite example has: the series must end by itself

describe("RFC 5545 recurrence examples, America/New_York", () => {
  test("daily for 10 occurrences", () => {
    expect(series("FREQ=DAILY;COUNT=10", SEP_2, ALL)).toEqual(ny(1997, "EDT", { 9: range(2, 11) }));
  });

  test("daily until December 24, 1997", () => {
    expect(series("FREQ=DAILY;UNTIL=19971224T000000Z", SEP_2, ALL)).toEqual([
      ...ny(1997, "EDT", { 9: range(2, 30), 10: range(1, 25) }),
      ...ny(1997, "EST", { 10: range(26, 31), 11: range(1, 30), 12: range(1, 23) }),
    ]);
  });

  test("every other day, forever", () => {
    expect(series("FREQ=DAILY;INTERVAL=2", SEP_2, 30)).toEqual([
      ...ny(1997, "EDT", { 9: range(1, 15).map((i) => 2 * i), 10: range(1, 12).map((i) => 2 * i) }),
      ...ny(1997, "EST", { 10: [26, 28, 30] }),
    ]);
  });

  test("every 10 days, 5 occurrences", () => {
    expect(series("FREQ=DAILY;INTERVAL=10;COUNT=5", SEP_2, ALL)).toEqual(ny(1997, "EDT", { 9: [2, 12, 22], 10: [2, 12] }));
  });

  test("every day in January, for 3 years (YEARLY and DAILY forms)", () => {
    const expected = [1998, 1999, 2000].flatMap((year) => ny(year, "EST", { 1: range(1, 31) }));
    const jan1 = "1998-01-01T09:00:00-05:00";
    expect(series("FREQ=YEARLY;UNTIL=20000131T140000Z;BYMONTH=1;BYDAY=SU,MO,TU,WE,TH,FR,SA", jan1, ALL)).toEqual(expected);
    expect(series("FREQ=DAILY;UNTIL=20000131T140000Z;BYMONTH=1", jan1, ALL)).toEqual(expected);
  });

  test("weekly for 10 occurrences", () => {
    expect(series("FREQ=WEEKLY;COUNT=10", SEP_2, ALL)).toEqual([
      ...ny(1997, "EDT", { 9: [2, 9, 16, 23, 30], 10: [7, 14, 21] }),
      ...ny(1997, "EST", { 10: [28], 11: [4] }),
    ]);
  });

  test("weekly until December 24, 1997", () => {
    expect(series("FREQ=WEEKLY;UNTIL=19971224T000000Z", SEP_2, ALL)).toEqual([
      ...ny(1997, "EDT", { 9: [2, 9, 16, 23, 30], 10: [7, 14, 21] }),
      ...ny(1997, "EST", { 10: [28], 11: [4, 11, 18, 25], 12: [2, 9, 16, 23] }),
    ]);
  });

  test("every other week, forever", () => {
    expect(series("FREQ=WEEKLY;INTERVAL=2;WKST=SU", SEP_2, 13)).toEqual([
      ...ny(1997, "EDT", { 9: [2, 16, 30], 10: [14] }),
      ...ny(1997, "EST", { 10: [28], 11: [11, 25], 12: [9, 23] }),
      ...ny(1998, "EST", { 1: [6, 20], 2: [3, 17] }),
    ]);
  });

  test("weekly on Tuesday and Thursday for five weeks (UNTIL and COUNT forms)", () => {
    const expected = ny(1997, "EDT", { 9: [2, 4, 9, 11, 16, 18, 23, 25, 30], 10: [2] });
    expect(series("FREQ=WEEKLY;UNTIL=19971007T000000Z;WKST=SU;BYDAY=TU,TH", SEP_2, ALL)).toEqual(expected);
    expect(series("FREQ=WEEKLY;COUNT=10;WKST=SU;BYDAY=TU,TH", SEP_2, ALL)).toEqual(expected);
  });

  test("every other week on Monday, Wednesday and Friday until December 24, 1997", () => {
    expect(series("FREQ=WEEKLY;INTERVAL=2;UNTIL=19971224T000000Z;WKST=SU;BYDAY=MO,WE,FR", "1997-09-01T09:00:00-04:00", ALL)).toEqual([
      ...ny(1997, "EDT", { 9: [1, 3, 5, 15, 17, 19, 29], 10: [1, 3, 13, 15, 17] }),
      ...ny(1997, "EST", { 10: [27, 29, 31], 11: [10, 12, 14, 24, 26, 28], 12: [8, 10, 12, 22] }),
    ]);
  });

  test("every other week on Tuesday and Thursday, for 8 occurrences", () => {
    expect(series("FREQ=WEEKLY;INTERVAL=2;COUNT=8;WKST=SU;BYDAY=TU,TH", SEP_2, ALL)).toEqual(
      ny(1997, "EDT", { 9: [2, 4, 16, 18, 30], 10: [2, 14, 16] }),
    );
  });

  test("monthly on the first Friday for 10 occurrences, and until December 24, 1997", () => {
    const sep5 = "1997-09-05T09:00:00-04:00";
    const in1997 = [...ny(1997, "EDT", { 9: [5], 10: [3] }), ...ny(1997, "EST", { 11: [7], 12: [5] })];
    expect(series("FREQ=MONTHLY;COUNT=10;BYDAY=1FR", sep5, ALL)).toEqual([
      ...in1997,
      ...ny(1998, "EST", { 1: [2], 2: [6], 3: [6], 4: [3] }),
      ...ny(1998, "EDT", { 5: [1], 6: [5] }),
    ]);
    expect(series("FREQ=MONTHLY;UNTIL=19971224T000000Z;BYDAY=1FR", sep5, ALL)).toEqual(in1997);
  });

  test("every other month on the first and last Sunday of the month for 10 occurrences", () => {
    expect(series("FREQ=MONTHLY;INTERVAL=2;COUNT=10;BYDAY=1SU,-1SU", "1997-09-07T09:00:00-04:00", ALL)).toEqual([
      ...ny(1997, "EDT", { 9: [7, 28] }),
      ...ny(1997, "EST", { 11: [2, 30] }),
      ...ny(1998, "EST", { 1: [4, 25], 3: [1, 29] }),
      ...ny(1998, "EDT", { 5: [3, 31] }),
    ]);
  });

  test("monthly on the second-to-last Monday of the month for 6 months", () => {
    expect(series("FREQ=MONTHLY;COUNT=6;BYDAY=-2MO", "1997-09-22T09:00:00-04:00", ALL)).toEqual([
      ...ny(1997, "EDT", { 9: [22], 10: [20] }),
      ...ny(1997, "EST", { 11: [17], 12: [22] }),
      ...ny(1998, "EST", { 1: [19], 2: [16] }),
    ]);
  });

  test("monthly on the third-to-the-last day of the month, forever", () => {
    expect(series("FREQ=MONTHLY;BYMONTHDAY=-3", "1997-09-28T09:00:00-04:00", 6)).toEqual([
      ...ny(1997, "EDT", { 9: [28] }),
      ...ny(1997, "EST", { 10: [29], 11: [28], 12: [29] }),
      ...ny(1998, "EST", { 1: [29], 2: [26] }),
    ]);
  });

  test("monthly on the 2nd and 15th of the month for 10 occurrences", () => {
    expect(series("FREQ=MONTHLY;COUNT=10;BYMONTHDAY=2,15", SEP_2, ALL)).toEqual([
      ...ny(1997, "EDT", { 9: [2, 15], 10: [2, 15] }),
      ...ny(1997, "EST", { 11: [2, 15], 12: [2, 15] }),
      ...ny(1998, "EST", { 1: [2, 15] }),
    ]);
  });

  test("monthly on the first and last day of the month for 10 occurrences", () => {
    expect(series("FREQ=MONTHLY;COUNT=10;BYMONTHDAY=1,-1", "1997-09-30T09:00:00-04:00", ALL)).toEqual([
      ...ny(1997, "EDT", { 9: [30], 10: [1] }),
      ...ny(1997, "EST", { 10: [31], 11: [1, 30], 12: [1, 31] }),
      ...ny(1998, "EST", { 1: [1, 31], 2: [1] }),
    ]);
  });

  test("every 18 months on the 10th thru 15th of the month for 10 occurrences", () => {
    expect(series("FREQ=MONTHLY;INTERVAL=18;COUNT=10;BYMONTHDAY=10,11,12,13,14,15", "1997-09-10T09:00:00-04:00", ALL)).toEqual([
      ...ny(1997, "EDT", { 9: range(10, 15) }),
      ...ny(1999, "EST", { 3: range(10, 13) }),
    ]);
  });

  test("every Tuesday, every other month", () => {
    expect(series("FREQ=MONTHLY;INTERVAL=2;BYDAY=TU", SEP_2, 18)).toEqual([
      ...ny(1997, "EDT", { 9: [2, 9, 16, 23, 30] }),
      ...ny(1997, "EST", { 11: [4, 11, 18, 25] }),
      ...ny(1998, "EST", { 1: [6, 13, 20, 27], 3: [3, 10, 17, 24, 31] }),
    ]);
  });

  test("yearly in June and July for 10 occurrences", () => {
    expect(series("FREQ=YEARLY;COUNT=10;BYMONTH=6,7", "1997-06-10T09:00:00-04:00", ALL)).toEqual(
      range(1997, 2001).flatMap((year) => ny(year, "EDT", { 6: [10], 7: [10] })),
    );
  });

  test("every other year on January, February, and March for 10 occurrences", () => {
    expect(series("FREQ=YEARLY;INTERVAL=2;COUNT=10;BYMONTH=1,2,3", "1997-03-10T09:00:00-05:00", ALL)).toEqual([
      ...ny(1997, "EST", { 3: [10] }),
      ...[1999, 2001, 2003].flatMap((year) => ny(year, "EST", { 1: [10], 2: [10], 3: [10] })),
    ]);
  });

  test("every third year on the 1st, 100th, and 200th day for 10 occurrences", () => {
    expect(series("FREQ=YEARLY;INTERVAL=3;COUNT=10;BYYEARDAY=1,100,200", "1997-01-01T09:00:00-05:00", ALL)).toEqual([
      ...ny(1997, "EST", { 1: [1] }),
      ...ny(1997, "EDT", { 4: [10], 7: [19] }),
      ...ny(2000, "EST", { 1: [1] }),
      ...ny(2000, "EDT", { 4: [9], 7: [18] }),
      ...ny(2003, "EST", { 1: [1] }),
      ...ny(2003, "EDT", { 4: [10], 7: [19] }),
      ...ny(2006, "EST", { 1: [1] }),
    ]);
  });

  test("every 20th Monday of the year, forever", () => {
    expect(series("FREQ=YEARLY;BYDAY=20MO", "1997-05-19T09:00:00-04:00", 3)).toEqual([
      ...ny(1997, "EDT", { 5: [19] }),
      ...ny(1998, "EDT", { 5: [18] }),
      ...ny(1999, "EDT", { 5: [17] }),
    ]);
  });

  test("Monday of week number 20 (where the default start of the week is Monday), forever", () => {
    expect(series("FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO", "1997-05-12T09:00:00-04:00", 3)).toEqual([
      ...ny(1997, "EDT", { 5: [12] }),
      ...ny(1998, "EDT", { 5: [11] }),
      ...ny(1999, "EDT", { 5: [17] }),
    ]);
  });

  test("every Thursday in March, forever", () => {
    expect(series("FREQ=YEARLY;BYMONTH=3;BYDAY=TH", "1997-03-13T09:00:00-05:00", 11)).toEqual([
      ...ny(1997, "EST", { 3: [13, 20, 27] }),
      ...ny(1998, "EST", { 3: [5, 12, 19, 26] }),
      ...ny(1999, "EST", { 3: [4, 11, 18, 25] }),
    ]);
  });

  test("every Thursday, but only during June, July, and August, forever", () => {
    expect(series("FREQ=YEARLY;BYDAY=TH;BYMONTH=6,7,8", "1997-06-05T09:00:00-04:00", 39)).toEqual([
      ...ny(1997, "EDT", { 6: [5, 12, 19, 26], 7: [3, 10, 17, 24, 31], 8: [7, 14, 21, 28] }),
      ...ny(1998, "EDT", { 6: [4, 11, 18, 25], 7: [2, 9, 16, 23, 30], 8: [6, 13, 20, 27] }),
      ...ny(1999, "EDT", { 6: [3, 10, 17, 24], 7: [1, 8, 15, 22, 29], 8: [5, 12, 19, 26] }),
    ]);
  });

  test("every Friday the 13th, forever (DTSTART excluded by EXDATE, as in the RFC)", () => {
    expect(series("FREQ=MONTHLY;BYDAY=FR;BYMONTHDAY=13", SEP_2, 5, [SEP_2])).toEqual([
      ...ny(1998, "EST", { 2: [13], 3: [13], 11: [13] }),
      ...ny(1999, "EDT", { 8: [13] }),
      ...ny(2000, "EDT", { 10: [13] }),
    ]);
  });

  test("the first Saturday that follows the first Sunday of the month, forever", () => {
    expect(series("FREQ=MONTHLY;BYDAY=SA;BYMONTHDAY=7,8,9,10,11,12,13", "1997-09-13T09:00:00-04:00", 10)).toEqual([
      ...ny(1997, "EDT", { 9: [13], 10: [11] }),
      ...ny(1997, "EST", { 11: [8], 12: [13] }),
      ...ny(1998, "EST", { 1: [10], 2: [7], 3: [7] }),
      ...ny(1998, "EDT", { 4: [11], 5: [9], 6: [13] }),
    ]);
  });

  test("every 4 years, the first Tuesday after a Monday in November, forever (U.S. Presidential Election day)", () => {
    expect(series("FREQ=YEARLY;INTERVAL=4;BYMONTH=11;BYDAY=TU;BYMONTHDAY=2,3,4,5,6,7,8", "1996-11-05T09:00:00-05:00", 3)).toEqual([
      ...ny(1996, "EST", { 11: [5] }),
      ...ny(2000, "EST", { 11: [7] }),
      ...ny(2004, "EST", { 11: [2] }),
    ]);
  });

  test("the third instance into the month of one of Tuesday, Wednesday, or Thursday, for the next 3 months", () => {
    expect(series("FREQ=MONTHLY;COUNT=3;BYDAY=TU,WE,TH;BYSETPOS=3", "1997-09-04T09:00:00-04:00", ALL)).toEqual([
      ...ny(1997, "EDT", { 9: [4], 10: [7] }),
      ...ny(1997, "EST", { 11: [6] }),
    ]);
  });

  test("the second-to-last weekday of the month", () => {
    expect(series("FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-2", "1997-09-29T09:00:00-04:00", 7)).toEqual([
      ...ny(1997, "EDT", { 9: [29] }),
      ...ny(1997, "EST", { 10: [30], 11: [27], 12: [30] }),
      ...ny(1998, "EST", { 1: [29], 2: [26], 3: [30] }),
    ]);
  });

  test("an example where the days generated makes a difference because of WKST", () => {
    const aug5 = "1997-08-05T09:00:00-04:00";
    expect(series("FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=MO", aug5, ALL)).toEqual(ny(1997, "EDT", { 8: [5, 10, 19, 24] }));
    expect(series("FREQ=WEEKLY;INTERVAL=2;COUNT=4;BYDAY=TU,SU;WKST=SU", aug5, ALL)).toEqual(ny(1997, "EDT", { 8: [5, 17, 19, 31] }));
  });

  test("an example where an invalid date (i.e., February 30) is ignored", () => {
    expect(series("FREQ=MONTHLY;BYMONTHDAY=15,30;COUNT=5", "2007-01-15T09:00:00-05:00", ALL)).toEqual([
      ...ny(2007, "EST", { 1: [15, 30], 2: [15] }),
      ...ny(2007, "EDT", { 3: [15, 30] }),
    ]);
  });
});

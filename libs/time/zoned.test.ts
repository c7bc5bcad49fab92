import { fromWallClock, msIntoDay, normaliseTimeZone, toWallClock } from "./zoned";

const wall = (text: string) => new Date(`${text}Z`); // a local time written as fake UTC
const iso = (d: Date) => d.toISOString();

describe("wall clock in a time zone", () => {
  test("toWallClock reads the local time, DST included", () => {
    expect(iso(toWallClock(new Date("2026-01-15T08:00:00Z"), "Europe/Berlin"))).toBe("2026-01-15T09:00:00.000Z");
    expect(iso(toWallClock(new Date("2026-07-15T07:00:00Z"), "Europe/Berlin"))).toBe("2026-07-15T09:00:00.000Z");
    expect(iso(toWallClock(new Date("2026-07-15T13:00:00Z"), "America/New_York"))).toBe("2026-07-15T09:00:00.000Z");
  });

  test("fromWallClock is the inverse on ordinary times", () => {
    expect(iso(fromWallClock(wall("2026-01-15T09:00:00"), "Europe/Berlin"))).toBe("2026-01-15T08:00:00.000Z");
    expect(iso(fromWallClock(wall("2026-07-15T09:00:00"), "America/New_York"))).toBe("2026-07-15T13:00:00.000Z");
    expect(iso(fromWallClock(wall("2026-07-15T09:00:00"), "UTC"))).toBe("2026-07-15T09:00:00.000Z");
  });

  test("a time skipped by a spring-forward gap moves forward by the gap", () => {
    // Berlin, 2026-03-29: 02:00 CET becomes 03:00 CEST; 02:30 does not exist → 03:30 CEST
    expect(iso(fromWallClock(wall("2026-03-29T02:30:00"), "Europe/Berlin"))).toBe("2026-03-29T01:30:00.000Z");
    // New York, 2026-03-08: 02:30 does not exist → 03:30 EDT
    expect(iso(fromWallClock(wall("2026-03-08T02:30:00"), "America/New_York"))).toBe("2026-03-08T07:30:00.000Z");
  });

  test("a time repeated by an autumn overlap is the earlier instant", () => {
    // Berlin, 2026-10-25: 02:30 happens at +02:00 and again at +01:00
    expect(iso(fromWallClock(wall("2026-10-25T02:30:00"), "Europe/Berlin"))).toBe("2026-10-25T00:30:00.000Z");
    // New York, 2026-11-01: 01:30 happens at -04:00 and again at -05:00
    expect(iso(fromWallClock(wall("2026-11-01T01:30:00"), "America/New_York"))).toBe("2026-11-01T05:30:00.000Z");
  });

  test('prefer "later" picks the second of a repeated time, and changes nothing else', () => {
    expect(iso(fromWallClock(wall("2026-10-25T02:30:00"), "Europe/Berlin", "later"))).toBe("2026-10-25T01:30:00.000Z");
    expect(iso(fromWallClock(wall("2026-03-29T02:30:00"), "Europe/Berlin", "later"))).toBe("2026-03-29T01:30:00.000Z");
    expect(iso(fromWallClock(wall("2026-07-15T09:00:00"), "Europe/Berlin", "later"))).toBe("2026-07-15T07:00:00.000Z");
  });

  test("msIntoDay is the time of day, before 1970 too", () => {
    expect(msIntoDay(wall("2026-07-15T09:30:00.250"))).toBe((9 * 60 + 30) * 60_000 + 250);
    expect(msIntoDay(wall("1969-12-31T23:00:00"))).toBe(23 * 3_600_000);
  });

  test("normaliseTimeZone accepts IANA names, fixes their case, and refuses the rest", () => {
    expect(normaliseTimeZone("Europe/Berlin")).toBe("Europe/Berlin");
    expect(normaliseTimeZone("europe/berlin")).toBe("Europe/Berlin");
    expect(normaliseTimeZone("UTC")).toBe("UTC");
    expect(normaliseTimeZone("US/Eastern")).toBe("US/Eastern");
    expect(normaliseTimeZone("Mars/Olympus_Mons")).toBeNull();
    expect(normaliseTimeZone("+01:00")).toBeNull();
    expect(normaliseTimeZone("")).toBeNull();
  });
});

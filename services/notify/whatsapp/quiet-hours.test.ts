import { quietHoursEnd } from "./quiet-hours";

const NIGHT = { start: "22:00", end: "07:00" };
const end = (quiet: { start: string; end: string }, zone: string, at: string) =>
  quietHoursEnd(quiet, zone, new Date(at))?.toISOString() ?? null;

describe("quietHoursEnd", () => {
  it("a window within one day: [start, end)", () => {
    const lunch = { start: "12:00", end: "14:00" };
    expect(end(lunch, "Europe/Berlin", "2026-01-10T12:00:00+01:00")).toBe("2026-01-10T13:00:00.000Z");
    expect(end(lunch, "Europe/Berlin", "2026-01-10T13:59:59+01:00")).toBe("2026-01-10T13:00:00.000Z");
    expect(end(lunch, "Europe/Berlin", "2026-01-10T11:59:59+01:00")).toBeNull();
    expect(end(lunch, "Europe/Berlin", "2026-01-10T14:00:00+01:00")).toBeNull();
  });

  it("a window across midnight ends the next morning, or the same morning after midnight", () => {
    expect(end(NIGHT, "Europe/Berlin", "2026-01-10T22:00:00+01:00")).toBe("2026-01-11T06:00:00.000Z");
    expect(end(NIGHT, "Europe/Berlin", "2026-01-10T23:30:00+01:00")).toBe("2026-01-11T06:00:00.000Z");
    expect(end(NIGHT, "Europe/Berlin", "2026-01-11T03:00:00+01:00")).toBe("2026-01-11T06:00:00.000Z");
    expect(end(NIGHT, "Europe/Berlin", "2026-01-11T06:59:59.999+01:00")).toBe("2026-01-11T06:00:00.000Z");
    expect(end(NIGHT, "Europe/Berlin", "2026-01-11T07:00:00+01:00")).toBeNull();
    expect(end(NIGHT, "Europe/Berlin", "2026-01-10T21:59:59.999+01:00")).toBeNull();
    // across a month and a year end
    expect(end(NIGHT, "Europe/Berlin", "2026-12-31T23:00:00+01:00")).toBe("2027-01-01T06:00:00.000Z");
  });

  it("reads the wall clock of the user's zone, not UTC", () => {
    // 23:00 in New York is 04:00 UTC: quiet in New York, whatever UTC says
    expect(end(NIGHT, "America/New_York", "2026-01-10T23:00:00-05:00")).toBe("2026-01-11T12:00:00.000Z");
    expect(end(NIGHT, "Asia/Kolkata", "2026-01-10T23:00:00+05:30")).toBe("2026-01-11T01:30:00.000Z");
  });

  it("ends at 07:00 local across a spring-forward night (Europe/Berlin, America/New_York)", () => {
    // Berlin: 29 Mar 2026, 02:00 CET -> 03:00 CEST
    expect(end(NIGHT, "Europe/Berlin", "2026-03-28T23:00:00+01:00")).toBe("2026-03-29T05:00:00.000Z");
    expect(end(NIGHT, "Europe/Berlin", "2026-03-29T03:30:00+02:00")).toBe("2026-03-29T05:00:00.000Z");
    // New York: 8 Mar 2026, 02:00 EST -> 03:00 EDT
    expect(end(NIGHT, "America/New_York", "2026-03-07T23:00:00-05:00")).toBe("2026-03-08T11:00:00.000Z");
  });

  it("ends at 07:00 local across a fall-back night (Europe/Berlin, America/New_York)", () => {
    // Berlin: 25 Oct 2026, 03:00 CEST -> 02:00 CET
    expect(end(NIGHT, "Europe/Berlin", "2026-10-24T23:00:00+02:00")).toBe("2026-10-25T06:00:00.000Z");
    // New York: 1 Nov 2026, 02:00 EDT -> 01:00 EST
    expect(end(NIGHT, "America/New_York", "2026-10-31T23:00:00-04:00")).toBe("2026-11-01T12:00:00.000Z");
    expect(end(NIGHT, "America/New_York", "2026-11-01T01:30:00-05:00")).toBe("2026-11-01T12:00:00.000Z");
  });

  it("an end that falls in a DST gap moves forward by the gap, as recurrences do", () => {
    // These expected 03:00 (the transition) while notify had its own zone code; libs/time now
    // has one rule for a skipped local time, RFC 5545's: read it with the offset before the gap.
    const untilHalfPastTwo = { start: "23:00", end: "02:30" };
    // 02:30 does not exist on 29 Mar 2026 in Berlin: quiet ends at 03:30 CEST
    expect(end(untilHalfPastTwo, "Europe/Berlin", "2026-03-28T23:30:00+01:00")).toBe("2026-03-29T01:30:00.000Z");
    expect(end(untilHalfPastTwo, "Europe/Berlin", "2026-03-29T01:59:59+01:00")).toBe("2026-03-29T01:30:00.000Z");
    // the wall clock is past 02:30 from 03:00 on, yet a message then must not overtake one held until 03:30
    expect(end(untilHalfPastTwo, "Europe/Berlin", "2026-03-29T03:00:00+02:00")).toBe("2026-03-29T01:30:00.000Z");
    expect(end(untilHalfPastTwo, "Europe/Berlin", "2026-03-29T03:29:59+02:00")).toBe("2026-03-29T01:30:00.000Z");
    expect(end(untilHalfPastTwo, "Europe/Berlin", "2026-03-29T03:30:00+02:00")).toBeNull();
    // nor on 8 Mar 2026 in New York: 03:30 EDT
    expect(end(untilHalfPastTwo, "America/New_York", "2026-03-07T23:30:00-05:00")).toBe("2026-03-08T07:30:00.000Z");
  });

  it("an end that happens twice (clocks turned back) is the next one after the instant", () => {
    const untilHalfPastTwo = { start: "00:00", end: "02:30" };
    // first 02:30 (CEST) when asked before it
    expect(end(untilHalfPastTwo, "Europe/Berlin", "2026-10-25T01:00:00+02:00")).toBe("2026-10-25T00:30:00.000Z");
    // 02:45 CEST is past the end: not quiet
    expect(end(untilHalfPastTwo, "Europe/Berlin", "2026-10-25T02:45:00+02:00")).toBeNull();
    // the clocks went back to 02:00 CET: 02:15 CET is quiet again, until 02:30 CET
    expect(end(untilHalfPastTwo, "Europe/Berlin", "2026-10-25T02:15:00+01:00")).toBe("2026-10-25T01:30:00.000Z");
  });

  it("start == end is no quiet hours; a malformed time throws", () => {
    expect(end({ start: "07:00", end: "07:00" }, "Europe/Berlin", "2026-01-10T07:00:00+01:00")).toBeNull();
    expect(() => end({ start: "7:00", end: "08:00" }, "UTC", "2026-01-10T07:00:00Z")).toThrow(RangeError);
    expect(() => end({ start: "24:00", end: "08:00" }, "UTC", "2026-01-10T07:00:00Z")).toThrow(RangeError);
  });
});

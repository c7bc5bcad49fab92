import { ValidationError } from "../errors";
import { applyOffset, formatOffset, parseOffset } from "./index";

const BERLIN = "Europe/Berlin";
const NY = "America/New_York";
const apply = (due: string, offset: string, zone = BERLIN) => applyOffset(new Date(due), parseOffset(offset), zone).toISOString();
const utc = (text: string) => new Date(text).toISOString();

describe("parseOffset", () => {
  test("reads signed ISO 8601 durations", () => {
    const none = { years: 0, months: 0, weeks: 0, days: 0, hours: 0, minutes: 0, seconds: 0 };
    expect(parseOffset("-PT15M")).toEqual({ ...none, sign: -1, minutes: 15 });
    expect(parseOffset("P1D")).toEqual({ ...none, sign: 1, days: 1 });
    expect(parseOffset("+P1D")).toEqual({ ...none, sign: 1, days: 1 });
    expect(parseOffset("-P1DT2H")).toEqual({ ...none, sign: -1, days: 1, hours: 2 });
    expect(parseOffset("P1W")).toEqual({ ...none, sign: 1, weeks: 1 });
    expect(parseOffset("PT0S")).toEqual({ ...none, sign: 1 });
  });

  test.each([
    ["", /expected an ISO 8601 duration like -PT15M/],
    ["15m", /expected an ISO 8601 duration/],
    ["-pt15m", /expected an ISO 8601 duration/],
    [" -PT15M", /expected an ISO 8601 duration/],
    ["P1H", /expected an ISO 8601 duration/],
    ["P-1D", /expected an ISO 8601 duration/],
    ["P", /names no amount/],
    ["-P", /names no amount/],
    ["PT", /has a "T" with no hours, minutes or seconds/],
    ["P1DT", /has a "T" with no hours/],
    ["PT1.5H", /fractions are not supported/],
    ["P400D", /too long: an offset may reach at most 366 days/],
    ["-P2Y", /too long/],
  ])("rejects %j with a 422 at the path given", (text, message) => {
    expect(() => parseOffset(text, "body.reminders.0.offset")).toThrow(ValidationError);
    try {
      parseOffset(text, "body.reminders.0.offset");
    } catch (e) {
      const err = e as ValidationError;
      expect(err.code).toBe(422);
      expect(err.message).toMatch(message);
      expect(err.data).toEqual({ errors: [{ path: "body.reminders.0.offset", message: expect.stringMatching(message) }] });
    }
  });

  test("the default path is body.offset", () => {
    expect(() => parseOffset("soon")).toThrow(expect.objectContaining({ data: { errors: [expect.objectContaining({ path: "body.offset" })] } }));
  });

  test("formatOffset writes the canonical text back", () => {
    for (const text of ["-PT15M", "P1D", "-P1DT2H", "P2M3W4DT5H6M7S", "P1Y", "PT0S"]) expect(formatOffset(parseOffset(text))).toBe(text);
    expect(formatOffset(parseOffset("+P0DT15M"))).toBe("PT15M");
    expect(formatOffset(parseOffset("-PT0S"))).toBe("PT0S");
  });
});

describe("applyOffset", () => {
  test("clock units move the instant", () => {
    expect(apply("2026-06-01T09:00:00+02:00", "-PT15M")).toBe(utc("2026-06-01T08:45:00+02:00"));
    expect(apply("2026-06-01T09:00:00+02:00", "PT0S")).toBe(utc("2026-06-01T09:00:00+02:00"));
  });

  test('"-P1D" before 09:00 Berlin is 09:00 the day before, across the spring-forward change (23 hours)', () => {
    expect(apply("2026-03-29T09:00:00+02:00", "-P1D")).toBe(utc("2026-03-28T09:00:00+01:00"));
    // whereas 24 clock hours land at 08:00
    expect(apply("2026-03-29T09:00:00+02:00", "-PT24H")).toBe(utc("2026-03-28T08:00:00+01:00"));
    // calendar part first, then clock part
    expect(apply("2026-03-29T09:00:00+02:00", "-P1DT2H")).toBe(utc("2026-03-28T07:00:00+01:00"));
  });

  test('"P1D" after 09:00 New York is 09:00 the day after, across the fall-back change (25 hours)', () => {
    expect(apply("2026-10-31T09:00:00-04:00", "P1D", NY)).toBe(utc("2026-11-01T09:00:00-05:00"));
    expect(apply("2026-04-02T09:00:00+02:00", "-P1W")).toBe(utc("2026-03-26T09:00:00+01:00"));
  });

  test("months clamp to the month's end; years too, from a leap day", () => {
    expect(apply("2026-01-31T09:00:00+01:00", "P1M")).toBe(utc("2026-02-28T09:00:00+01:00"));
    expect(apply("2026-03-31T09:00:00+02:00", "-P1M")).toBe(utc("2026-02-28T09:00:00+01:00"));
    expect(apply("2024-02-29T09:00:00+01:00", "P1Y")).toBe(utc("2025-02-28T09:00:00+01:00"));
  });

  test("a calendar move onto a time the DST gap skips lands just after the gap", () => {
    expect(apply("2026-03-30T02:30:00+02:00", "-P1D")).toBe(utc("2026-03-29T03:30:00+02:00"));
  });
});

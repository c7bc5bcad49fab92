import { addDays, dayOf, formatInstant, fromLocalInput, toLocalInput } from "./time";

describe("times in the user's zone", () => {
  it("round-trips datetime-local values through the zone, seconds only when set", () => {
    expect(toLocalInput("2030-01-07T08:00:00Z", "Europe/Berlin")).toBe("2030-01-07T09:00");
    expect(toLocalInput("2030-01-07T08:00:05Z", "Europe/Berlin")).toBe("2030-01-07T09:00:05");
    expect(fromLocalInput("2030-01-07T09:00", "Europe/Berlin")?.toISOString()).toBe("2030-01-07T08:00:00.000Z");
    expect(fromLocalInput("2030-07-07T09:00:05", "America/New_York")?.toISOString()).toBe("2030-07-07T13:00:05.000Z");
    expect(fromLocalInput("", "UTC")).toBeNull();
    expect(fromLocalInput("2030-13-40T99:00", "UTC")).toBeNull();
  });

  it("moves a time skipped by the spring-forward gap forward, like the server", () => {
    expect(fromLocalInput("2030-03-31T02:30", "Europe/Berlin")?.toISOString()).toBe("2030-03-31T01:30:00.000Z");
  });

  it("formats in the zone, and does calendar-day arithmetic", () => {
    expect(formatInstant("2030-01-14T08:00:00Z", "Europe/Berlin", "en-GB")).toBe("14 Jan 2030, 09:00");
    expect(dayOf(new Date("2030-01-14T23:30:00Z"), "Europe/Berlin")).toBe("2030-01-15");
    expect(addDays("2030-02-27", 2)).toBe("2030-03-01");
  });
});

import { fireTime, inputFor, newReminder, rowFor } from "./reminders";

const BERLIN = "Europe/Berlin";
const id = "7c9e6679-7425-40de-944b-e07fc1f90ae7";

describe("reminders in the editor", () => {
  it("writes 'before the due time' as a negative ISO offset, and 0 as at the due time", () => {
    expect(inputFor({ ...newReminder(), amount: 15, unit: "minutes" }, BERLIN)).toEqual({ offset: "-PT15M", channels: ["sse"] });
    expect(inputFor({ ...newReminder(), amount: 2, unit: "days", channels: ["sse", "whatsapp"], id }, BERLIN)).toEqual({ id, offset: "-P2D", channels: ["sse", "whatsapp"] });
    expect(inputFor({ ...newReminder(), amount: 0 }, BERLIN)).toEqual({ offset: "PT0S", channels: ["sse"] });
  });

  it("reads an absolute time in the user's zone, and refuses an empty one", () => {
    expect(inputFor({ ...newReminder(), kind: "at", at: "2030-07-01T09:30" }, BERLIN)).toEqual({ at: "2030-07-01T07:30:00.000Z", channels: ["sse"] });
    expect(inputFor({ ...newReminder(), kind: "at", at: "" }, BERLIN)).toEqual({ error: expect.stringMatching(/date and time/) });
    expect(inputFor({ ...newReminder(), kind: "offset", offset: "soon" }, BERLIN)).toEqual({ error: expect.stringMatching(/ISO 8601/) });
  });

  it("shows stored reminders in the simplest form", () => {
    expect(rowFor({ id, offset: "-PT1H", channels: ["sse"] }, BERLIN)).toMatchObject({ kind: "before", amount: 1, unit: "hours", id });
    expect(rowFor({ id, offset: "-P1DT2H", channels: ["sse"] }, BERLIN)).toMatchObject({ kind: "offset", offset: "-P1DT2H" });
    expect(rowFor({ id, offset: "PT10M", channels: ["sse"] }, BERLIN)).toMatchObject({ kind: "offset", offset: "PT10M" });
    expect(rowFor({ id, at: "2030-07-01T07:30:00.000Z", channels: ["whatsapp"] }, BERLIN)).toMatchObject({ kind: "at", at: "2030-07-01T09:30", channels: ["whatsapp"] });
  });

  it("says when it fires the way the scheduler computes it (calendar days on the wall clock)", () => {
    const due = new Date("2030-03-31T07:00:00Z"); // 09:00 summer time, the day after the change
    expect(fireTime({ offset: "-P1D", channels: ["sse"] }, due, BERLIN)?.toISOString()).toBe("2030-03-30T08:00:00.000Z");
    expect(fireTime({ offset: "-PT15M", channels: ["sse"] }, null, BERLIN)).toBeNull();
  });
});

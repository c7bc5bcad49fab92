import { noRepeat, preview, ruleFor, stateFor, summary, weekdayOf } from "./recurrence";

const BERLIN = "Europe/Berlin";

describe("the recurrence picker", () => {
  it("writes simple choices as canonical RRULEs", () => {
    expect(ruleFor(noRepeat())).toEqual({});
    expect(ruleFor({ ...noRepeat(), mode: "daily", interval: 2 })).toEqual({ rrule: "FREQ=DAILY;INTERVAL=2" });
    expect(ruleFor({ ...noRepeat(), mode: "weekly", weekdays: ["FR", "MO"], end: "count", count: 6 })).toEqual({ rrule: "FREQ=WEEKLY;COUNT=6;BYDAY=MO,FR" });
    expect(ruleFor({ ...noRepeat(), mode: "monthly", monthDay: "last", end: "until", untilDay: "2030-12-31" })).toEqual({
      rrule: "FREQ=MONTHLY;UNTIL=20301231;BYMONTHDAY=-1",
    });
    expect(ruleFor({ ...noRepeat(), mode: "monthly", end: "until", untilDay: "" }).error).toMatch(/last day/);
  });

  it("checks custom rules with the server's parser", () => {
    expect(ruleFor({ ...noRepeat(), mode: "custom", custom: "RRULE:freq=monthly;byday=mo;bysetpos=1" })).toEqual({ rrule: "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=1" });
    expect(ruleFor({ ...noRepeat(), mode: "custom", custom: "FREQ=HOURLY" }).error).toBeTruthy();
    expect(ruleFor({ ...noRepeat(), mode: "custom", custom: "FREQ=DAILY;BYHOUR=9" }).error).toMatch(/BYHOUR/);
  });

  it("reads stored rules back into the simplest mode that shows them", () => {
    expect(stateFor("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH", "completion")).toMatchObject({ mode: "weekly", interval: 2, weekdays: ["TU", "TH"], fromCompletion: true });
    expect(stateFor("FREQ=MONTHLY;COUNT=3;BYMONTHDAY=-1")).toMatchObject({ mode: "monthly", monthDay: "last", end: "count", count: 3 });
    expect(stateFor("FREQ=DAILY;UNTIL=20301231")).toMatchObject({ mode: "daily", end: "until", untilDay: "2030-12-31" });
    expect(stateFor("FREQ=MONTHLY;BYDAY=MO;BYSETPOS=1")).toMatchObject({ mode: "custom", custom: "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=1" });
    for (const rrule of ["FREQ=DAILY;INTERVAL=3", "FREQ=WEEKLY;BYDAY=MO,WE", "FREQ=MONTHLY", "FREQ=MONTHLY;COUNT=4;BYMONTHDAY=-1"]) {
      expect(ruleFor(stateFor(rrule)).rrule).toBe(rrule);
    }
  });

  it("previews occurrences on the zone's wall clock, across a DST change", () => {
    const due = new Date("2030-03-29T08:00:00Z"); // Friday 09:00 in Berlin, winter time
    expect(preview("FREQ=DAILY", BERLIN, due, false, 3).map((d) => d.toISOString())).toEqual([
      "2030-03-29T08:00:00.000Z",
      "2030-03-30T08:00:00.000Z",
      "2030-03-31T07:00:00.000Z",
    ]);
    expect(weekdayOf(due, BERLIN)).toBe("FR");
    expect(weekdayOf(new Date("2030-03-29T23:30:00Z"), BERLIN)).toBe("SA");
  });

  it("summarises a rule for the list", () => {
    expect(summary("FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH", "due", "en-GB")).toBe("Every 2 weeks on Mon, Thu");
    expect(summary("FREQ=MONTHLY;COUNT=3;BYMONTHDAY=-1", "completion", "en-GB")).toBe("Monthly on the last day, 3 times, after completion");
    expect(summary("FREQ=YEARLY", "due")).toBe("Custom: FREQ=YEARLY");
  });
});

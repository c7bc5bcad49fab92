import { describeRecurrence } from "./describe";

const at9 = new Date("2026-12-01T08:00:00Z"); // Tuesday 09:00 in Berlin
const words = (rrule: string, from: "due" | "completion" = "due", exdates: string[] = []) =>
  describeRecurrence({ rrule, timezone: "Europe/Berlin", from, exdates }, at9);

test.each([
  ["FREQ=DAILY", "every day at 09:00"],
  ["FREQ=DAILY;INTERVAL=2", "every other day at 09:00"],
  ["FREQ=DAILY;INTERVAL=3", "every 3 days at 09:00"],
  ["FREQ=WEEKLY", "every Tuesday at 09:00"],
  ["FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "every weekday at 09:00"],
  ["FREQ=WEEKLY;BYDAY=MO,TH", "every Monday and Thursday at 09:00"],
  ["FREQ=WEEKLY;INTERVAL=2;BYDAY=SA", "every other week on Saturday at 09:00"],
  ["FREQ=MONTHLY;BYMONTHDAY=1", "every month on the 1st at 09:00"],
  ["FREQ=MONTHLY", "every month on the 1st at 09:00"],
  ["FREQ=MONTHLY;BYMONTHDAY=-1", "every month on the last day at 09:00"],
  ["FREQ=MONTHLY;BYDAY=3FR", "every month on the 3rd Friday at 09:00"],
  ["FREQ=MONTHLY;BYDAY=2TU,4TU", "every month on the 2nd Tuesday and 4th Tuesday at 09:00"],
  ["FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1", "every month on the last weekday at 09:00"],
  ["FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-2", "every month on the second-to-last weekday at 09:00"],
  ["FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=3", "every year on 3 March at 09:00"],
  ["FREQ=YEARLY", "every year on 1 December at 09:00"],
  ["FREQ=YEARLY;BYWEEKNO=20;BYDAY=MO", "every year on Monday (BYWEEKNO=20) at 09:00"],
  ["FREQ=DAILY;COUNT=5", "every day at 09:00, 5 times"],
  ["FREQ=WEEKLY;UNTIL=20270531;BYDAY=TU", "every Tuesday at 09:00, until 31 May 2027"],
])("%s reads %j", (rrule, text) => {
  expect(words(rrule)).toBe(text);
});

test("completion-based series and skipped dates say so; the time of day is the zone's", () => {
  expect(words("FREQ=WEEKLY;INTERVAL=2", "completion")).toBe("every other week on Tuesday at 09:00, counted from each completion");
  expect(words("FREQ=DAILY", "due", ["2026-12-02T08:00:00.000Z"])).toBe("every day at 09:00, except 1 skipped");
  expect(describeRecurrence({ rrule: "FREQ=DAILY", timezone: "America/New_York", from: "due", exdates: [] }, at9)).toBe("every day at 03:00");
});

import { formatDueTime, REPLY_HINT, reminderLine, reminderMessage, reminderTemplateParameters } from "./message-text";

const rent = { title: "Pay rent", dueAt: "2026-12-01T09:00:00+01:00", timeZone: "Europe/Berlin" };

describe("formatDueTime", () => {
  it("shows the wall time in the user's zone and names the zone", () => {
    expect(formatDueTime("2026-12-01T08:00:00Z", "Europe/Berlin")).toBe("Tue 1 Dec 2026, 09:00 (Europe/Berlin)");
    expect(formatDueTime(new Date("2026-12-01T08:00:00Z"), "America/New_York")).toBe("Tue 1 Dec 2026, 03:00 (America/New_York)");
    expect(formatDueTime("2026-12-01T08:00:00Z", "Asia/Tokyo")).toBe("Tue 1 Dec 2026, 17:00 (Asia/Tokyo)");
  });

  it("follows summer time and the date line; 24 h clock from 00:00", () => {
    expect(formatDueTime("2026-07-01T07:30:00Z", "Europe/Berlin")).toBe("Wed 1 Jul 2026, 09:30 (Europe/Berlin)");
    expect(formatDueTime("2026-12-31T23:05:00Z", "Europe/Berlin")).toBe("Fri 1 Jan 2027, 00:05 (Europe/Berlin)");
    expect(formatDueTime("2026-12-31T23:05:00Z", "UTC")).toBe("Thu 31 Dec 2026, 23:05 (UTC)");
  });

  it("refuses what is not an instant", () => {
    expect(() => formatDueTime("tomorrow", "UTC")).toThrow(RangeError);
  });
});

describe("reminder message", () => {
  it("one line naming the title and the due time", () => {
    expect(reminderLine(rent)).toBe("Reminder: Pay rent — due Tue 1 Dec 2026, 09:00 (Europe/Berlin)");
    expect(reminderLine({ ...rent, dueAt: null })).toBe("Reminder: Pay rent");
  });

  it("free text without a template, with how to answer", () => {
    expect(reminderMessage(rent)).toEqual({
      type: "text",
      body: `Reminder: Pay rent — due Tue 1 Dec 2026, 09:00 (Europe/Berlin)\n${REPLY_HINT}`,
    });
  });

  it("the template with title and due time as its body parameters", () => {
    expect(reminderMessage(rent, { name: "task_reminder", language: "en" })).toEqual({
      type: "template",
      name: "task_reminder",
      language: "en",
      parameters: ["Pay rent", "Tue 1 Dec 2026, 09:00 (Europe/Berlin)"],
    });
  });

  it("template parameters are one line and never empty", () => {
    expect(reminderTemplateParameters({ title: "Pay\n\trent    now", dueAt: null, timeZone: "UTC" })).toEqual([
      "Pay rent now",
      "no due date",
    ]);
  });
});

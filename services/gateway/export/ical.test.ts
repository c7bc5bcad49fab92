import type { TaskDto } from "../../../libs/contracts";
import { fold, IcalInputError, parseVtodo, PRIORITY_TO_ICAL, priorityFromIcal, vtodo } from "./ical";

const base: TaskDto = {
  id: "00000000-0000-4000-8000-000000000001",
  title: "Pay rent; then, call",
  description: "line one\nline two",
  status: "done",
  priority: "urgent",
  dueAt: "2026-12-01T08:00:00.000Z",
  startAt: null,
  completedAt: "2026-12-01T09:00:00.000Z",
  tags: ["home", "finance"],
  recurrence: { rrule: "FREQ=MONTHLY;BYMONTHDAY=1", timezone: "Europe/Berlin", from: "due", exdates: ["2027-01-01T08:00:00.000Z"], text: "monthly" },
  reminders: [
    { id: "00000000-0000-4000-8000-000000000002", offset: "-PT15M", channels: ["sse"] },
    { id: "00000000-0000-4000-8000-000000000003", at: "2026-11-30T20:00:00.000Z", channels: ["sse"] },
  ],
  projectId: null,
  assigneeId: null,
  ownerId: "00000000-0000-4000-8000-000000000009",
  createdAt: "2026-11-01T00:00:00.000Z",
  updatedAt: "2026-11-02T00:00:00.000Z",
  version: 3,
} as TaskDto;

test("a VTODO carries the task's fields, its rule in its zone, exdates and alarms", () => {
  const ics = vtodo(base, new Date("2026-11-30T00:00:00Z"));
  expect(ics.split("\r\n")).toEqual(
    expect.arrayContaining([
      "BEGIN:VTODO",
      `UID:${base.id}`,
      "DTSTAMP:20261130T000000Z",
      "SUMMARY:Pay rent\\; then\\, call",
      "DESCRIPTION:line one\\nline two",
      "DTSTART;TZID=Europe/Berlin:20261201T090000",
      "DUE;TZID=Europe/Berlin:20261201T090000",
      "PRIORITY:1",
      "STATUS:COMPLETED",
      "COMPLETED:20261201T090000Z",
      "CATEGORIES:home,finance",
      "RRULE:FREQ=MONTHLY;BYMONTHDAY=1",
      "EXDATE;TZID=Europe/Berlin:20270101T090000",
      "TRIGGER;RELATED=END:-PT15M",
      "TRIGGER;VALUE=DATE-TIME:20261130T200000Z",
      "END:VTODO",
    ]),
  );
  expect(ics.match(/BEGIN:VALARM/g)).toHaveLength(2);
});

test("a task without rule or dates is UTC and minimal", () => {
  const ics = vtodo({ ...base, recurrence: null, dueAt: null, completedAt: null, status: "todo", priority: "none", tags: [], reminders: [], description: "" }, new Date(0));
  expect(ics).toContain("STATUS:NEEDS-ACTION\r\n");
  expect(ics).not.toMatch(/PRIORITY|DUE|DTSTART|RRULE|CATEGORIES|VALARM|DESCRIPTION/);
});

test("long lines fold at 75 octets without splitting a character", () => {
  const folded = fold(`SUMMARY:${"ü".repeat(100)}`);
  for (const line of folded.split("\r\n").filter(Boolean)) expect(Buffer.byteLength(line)).toBeLessThanOrEqual(75);
  expect(folded.replace(/\r\n /g, "")).toBe(`SUMMARY:${"ü".repeat(100)}\r\n`);
});

describe("CalDAV's reading, and writing back what was read", () => {
  const wrap = (lines: string[]) => ["BEGIN:VCALENDAR", "VERSION:2.0", "BEGIN:VTODO", "UID:u-1@example", ...lines, "END:VTODO", "END:VCALENDAR", ""].join("\r\n");
  const asTask = (parsed: ReturnType<typeof parseVtodo>, extra: Partial<TaskDto> = {}): TaskDto =>
    ({
      ...base,
      title: parsed.title,
      description: parsed.description,
      status: parsed.status,
      priority: parsed.priority,
      dueAt: parsed.dueAt,
      startAt: parsed.startAt,
      completedAt: null,
      tags: parsed.tags,
      recurrence: parsed.recurrence && { ...parsed.recurrence, from: "due" },
      reminders: parsed.reminders.map((r, i) => ({ id: `r${i}`, channels: ["sse"], ...r })),
      davProperties: JSON.stringify({ ...parsed.kept, uid: parsed.uid }),
      ...extra,
    }) as TaskDto;

  test.each([
    [0, "none"],
    [1, "urgent"],
    [2, "high"],
    [4, "high"],
    [5, "medium"],
    [6, "low"],
    [9, "low"],
    [12, "none"],
  ])("PRIORITY %i is %s", (n, p) => expect(priorityFromIcal(n)).toBe(p));

  test("every priority goes out as a number that reads back as itself", () => {
    for (const p of ["none", "low", "medium", "high", "urgent"] as const) expect(priorityFromIcal(PRIORITY_TO_ICAL[p])).toBe(p);
  });

  test("fields, escaping, zones and forms round-trip", () => {
    // Written back exactly as read (CATEGORIES are merged into tags, so they come back otherwise).
    const roundTripped = [
      "SUMMARY:Pay rent\\; then\\, call",
      "DESCRIPTION:line one\\nline two",
      "DUE;TZID=Europe/Berlin:20261201T090000",
      "DTSTART;VALUE=DATE:20261130",
      "PRIORITY:2",
      "STATUS:IN-PROCESS",
      "PERCENT-COMPLETE:40",
      "LOCATION:Desk",
      "X-APPLE-SORT-ORDER:12",
    ];
    const parsed = parseVtodo(wrap([...roundTripped, "CATEGORIES:Home,Finance", "CATEGORIES:finance"]), "America/New_York");
    expect(parsed).toMatchObject({
      uid: "u-1@example",
      title: "Pay rent; then, call",
      description: "line one\nline two",
      dueAt: "2026-12-01T08:00:00.000Z",
      startAt: "2026-11-30T05:00:00.000Z",
      priority: "high",
      status: "in_progress",
      tags: ["home", "finance"],
    });
    const out = vtodo(asTask(parsed), new Date("2026-11-30T00:00:00Z")).split("\r\n");
    expect(out).toEqual(expect.arrayContaining(["UID:u-1@example", ...roundTripped]));
  });

  test("UTC and floating times; a floating time is read in the owner's zone and written floating", () => {
    const parsed = parseVtodo(wrap(["SUMMARY:x", "DUE:20261201T090000", "DTSTART:20261130T100000Z"]), "Asia/Tokyo");
    expect(parsed.dueAt).toBe("2026-12-01T00:00:00.000Z");
    expect(parsed.startAt).toBe("2026-11-30T10:00:00.000Z");
    const out = vtodo(asTask(parsed), new Date());
    expect(out).toContain("DUE:20261201T090000\r\n");
    expect(out).toContain("DTSTART:20261130T100000Z\r\n");
  });

  test("a recurring task: the rule and its exdates in the zone of DUE; DTSTART alone anchors the series", () => {
    const parsed = parseVtodo(wrap(["SUMMARY:x", "DTSTART;TZID=Europe/Berlin:20261201T090000", "RRULE:FREQ=WEEKLY;BYDAY=TU", "EXDATE;TZID=Europe/Berlin:20261208T090000,20261215T090000"]), "UTC");
    expect(parsed.recurrence).toEqual({ rrule: "FREQ=WEEKLY;BYDAY=TU", timezone: "Europe/Berlin", exdates: ["2026-12-08T08:00:00.000Z", "2026-12-15T08:00:00.000Z"] });
    expect(parsed.dueAt).toBe("2026-12-01T08:00:00.000Z");
    expect(parsed.startAt).toBeNull();
    expect(() => parseVtodo(wrap(["SUMMARY:x", "RRULE:FREQ=DAILY"]), "UTC")).toThrow(IcalInputError);
  });

  test("statuses: CANCELLED is done and stays CANCELLED; COMPLETED or 100% without STATUS is done", () => {
    const cancelled = parseVtodo(wrap(["SUMMARY:x", "STATUS:CANCELLED"]), "UTC");
    expect(cancelled.status).toBe("done");
    expect(vtodo(asTask(cancelled), new Date())).toContain("STATUS:CANCELLED");
    expect(parseVtodo(wrap(["SUMMARY:x", "COMPLETED:20261130T100000Z"]), "UTC").status).toBe("done");
    expect(parseVtodo(wrap(["SUMMARY:x", "PERCENT-COMPLETE:100"]), "UTC").status).toBe("done");
    expect(parseVtodo(wrap(["SUMMARY:x", "PERCENT-COMPLETE:10"]), "UTC").status).toBe("in_progress");
    expect(parseVtodo(wrap(["SUMMARY:x"]), "UTC").status).toBe("todo");
  });

  test("alarms: relative to the due date, absolute, and relative to a distinct start (made absolute); their other lines kept", () => {
    const parsed = parseVtodo(
      wrap([
        "SUMMARY:x",
        "DUE:20261201T090000Z",
        "DTSTART:20261201T080000Z",
        "BEGIN:VALARM",
        "TRIGGER;RELATED=END:-PT15M",
        "ACTION:EMAIL",
        "X-KEEP:1",
        "END:VALARM",
        "BEGIN:VALARM",
        "TRIGGER;VALUE=DATE-TIME:20261130T200000Z",
        "ACTION:DISPLAY",
        "END:VALARM",
        "BEGIN:VALARM",
        "TRIGGER:-PT1H",
        "ACTION:DISPLAY",
        "END:VALARM",
      ]),
      "UTC",
    );
    expect(parsed.reminders).toEqual([{ offset: "-PT15M" }, { at: "2026-11-30T20:00:00.000Z" }, { at: "2026-12-01T07:00:00.000Z" }]);
    const out = vtodo(asTask(parsed), new Date());
    expect(out).toContain("BEGIN:VALARM\r\nTRIGGER;RELATED=END:-PT15M\r\nACTION:EMAIL\r\nX-KEEP:1\r\nEND:VALARM");
    expect(out).toContain("TRIGGER;VALUE=DATE-TIME:20261130T200000Z");
  });

  test("the parent, and refusals: no VTODO, a VEVENT alongside, two UIDs, not iCalendar", () => {
    expect(parseVtodo(wrap(["SUMMARY:x", "RELATED-TO;RELTYPE=PARENT:p-1", "RELATED-TO;RELTYPE=SIBLING:s-1"]), "UTC")).toMatchObject({ parentUid: "p-1", kept: { lines: ["RELATED-TO;RELTYPE=SIBLING:s-1"] } });
    expect(() => parseVtodo("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "UTC")).toThrow(expect.objectContaining({ precondition: "supported-calendar-component" }));
    expect(() => parseVtodo("BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\nUID:a\r\nEND:VTODO\r\nBEGIN:VEVENT\r\nUID:a\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n", "UTC")).toThrow(IcalInputError);
    expect(() => parseVtodo("BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\nUID:a\r\nEND:VTODO\r\nBEGIN:VTODO\r\nUID:b\r\nEND:VTODO\r\nEND:VCALENDAR\r\n", "UTC")).toThrow(
      expect.objectContaining({ precondition: "valid-calendar-object-resource" }),
    );
    expect(() => parseVtodo("not ical at all", "UTC")).toThrow(IcalInputError);
  });
});

import type { TaskDto } from "../../../libs/contracts";
import { fold, vtodo } from "./ical";

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
      "EXDATE:20270101T080000Z",
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

// A .db test only because it reads the sample files in test/fixtures/imports (the tier rule: any file I/O); the parsers themselves are pure.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseImport } from "./index";
import { ImportTask } from "./items";

const fixture = (name: string) => new Uint8Array(readFileSync(join(__dirname, "../../../test/fixtures/imports", name)));
const byTitle = (items: { kind: string }[], title: string) => items.find((i) => i.kind === "task" && (i as ImportTask).title === title) as ImportTask;

test("ICS: VTODOs with TZID, RRULE, EXDATE, PRIORITY, CATEGORIES, VALARM, RELATED-TO and STATUS; other components reported", () => {
  const parsed = parseImport("ics", fixture("tasks.ics"), { filename: "tasks.ics", timezone: "America/New_York" });
  expect(parsed.source).toBe("ics");
  expect(parsed.items.every((i) => i.kind === "task")).toBe(true);
  const standup = byTitle(parsed.items, "Stand-up notes");
  expect(standup).toMatchObject({
    ref: "20261201-standup@example.com",
    description: "Write them, then send them\nto the team",
    due: { at: "2026-12-01T08:30:00.000Z" },
    priority: "urgent",
    tags: ["work", "meetings"],
    recurrence: { rrule: "FREQ=WEEKLY;BYDAY=TU,TH", timezone: "Europe/Berlin", exdates: ["2026-12-03T08:30:00.000Z"] },
    reminders: [{ offset: "-PT15M" }],
  });
  expect(byTitle(parsed.items, "Prepare the agenda")).toMatchObject({ parentRef: standup.ref, priority: "medium", reminders: [{ at: "2026-12-01T06:30:00.000Z" }] });
  expect(byTitle(parsed.items, "File the taxes")).toMatchObject({ done: true, priority: "low", due: null });
  expect(parsed.unmapped).toEqual([expect.stringMatching(/^VEVENT "Office party": only VTODO/)]);
});

test("ICS: a floating time is read in the importer's zone; line folding is undone", () => {
  const text = "BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\nUID:a\r\nSUMMARY:Long ti\r\n tle\r\nDUE:20260701T090000\r\nEND:VTODO\r\nEND:VCALENDAR\r\n";
  const [item] = parseImport("ics", new TextEncoder().encode(text), { filename: "x.ics", timezone: "Europe/Berlin" }).items as ImportTask[];
  expect(item).toMatchObject({ title: "Long title", due: { at: "2026-07-01T07:00:00.000Z" } });
});

test("ICS: not a calendar, unbalanced components and a missing parent", () => {
  const read = (text: string) => parseImport("ics", new TextEncoder().encode(text), { filename: "x.ics", timezone: "UTC" });
  expect(() => read("hello")).toThrow(/does not begin with BEGIN:VCALENDAR/);
  expect(() => read("BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\nUID:a\r\n")).toThrow(/never closed/);
  expect(() => read("BEGIN:VCALENDAR\r\nEND:VTODO\r\n")).toThrow(/does not close/);
  const orphan = read("BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\nUID:a\r\nSUMMARY:A\r\nRELATED-TO:missing\r\nEND:VTODO\r\nEND:VCALENDAR\r\n");
  expect((orphan.items[0] as ImportTask).parentRef).toBeNull();
  expect(orphan.unmapped).toEqual([expect.stringMatching(/parent of task "A": not in the file/)]);
});

test("ICS: an alarm relative to DTSTART, while the due date is DUE, becomes the alarm's instant; with DTSTART alone, an offset", () => {
  const read = (text: string) => parseImport("ics", new TextEncoder().encode(text), { filename: "x.ics", timezone: "UTC" }).items as ImportTask[];
  const both = read(
    "BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\nUID:a\r\nSUMMARY:A\r\nDTSTART:20261201T080000Z\r\nDUE:20261203T080000Z\r\nBEGIN:VALARM\r\nTRIGGER:-PT30M\r\nEND:VALARM\r\nEND:VTODO\r\nEND:VCALENDAR\r\n",
  );
  expect(both[0]!.reminders).toEqual([{ at: "2026-12-01T07:30:00.000Z" }]);
  const startOnly = read("BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\nUID:b\r\nSUMMARY:B\r\nDTSTART:20261201T080000Z\r\nBEGIN:VALARM\r\nTRIGGER:-PT30M\r\nEND:VALARM\r\nEND:VTODO\r\nEND:VCALENDAR\r\n");
  expect(startOnly[0]).toMatchObject({ due: { at: "2026-12-01T08:00:00.000Z" }, reminders: [{ offset: "-PT30M" }] });
});

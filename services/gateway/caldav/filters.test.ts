import type { TaskDto } from "../../../libs/contracts";
import { todoOverlaps } from "./filters";

const at = (iso: string) => Date.parse(iso);
const task = (t: Partial<TaskDto>): TaskDto => ({ startAt: null, dueAt: null, completedAt: null, createdAt: "2026-11-01T00:00:00Z", recurrence: null, reminders: [], ...t }) as TaskDto;
const dec = [at("2026-12-01T00:00:00Z"), at("2027-01-01T00:00:00Z")] as const;

// RFC 4791 9.9, the VTODO rows.
test.each([
  ["DTSTART and DUE spanning the range", { startAt: "2026-11-20T00:00:00Z", dueAt: "2027-01-10T00:00:00Z" }, true],
  ["DTSTART and DUE before it", { startAt: "2026-11-20T00:00:00Z", dueAt: "2026-11-25T00:00:00Z" }, false],
  ["DTSTART alone inside", { startAt: "2026-12-05T00:00:00Z" }, true],
  ["DTSTART alone at the end (exclusive)", { startAt: "2027-01-01T00:00:00Z" }, false],
  ["DUE alone inside", { dueAt: "2026-12-31T00:00:00Z" }, true],
  ["DUE alone at the start (exclusive)", { dueAt: "2026-12-01T00:00:00Z" }, false],
  ["DUE alone at the end (inclusive)", { dueAt: "2027-01-01T00:00:00Z" }, true],
  ["COMPLETED and CREATED around it", { completedAt: "2027-02-01T00:00:00Z" }, true],
  ["CREATED after it", { createdAt: "2027-02-01T00:00:00Z" }, false],
  ["CREATED before it, nothing else", {}, true],
  ["recurring, due before the range: the series reaches into it", { dueAt: "2026-11-03T00:00:00Z", recurrence: { rrule: "FREQ=WEEKLY", timezone: "UTC", from: "due", exdates: [] } }, true],
  ["recurring, first due after the range", { dueAt: "2027-03-01T00:00:00Z", recurrence: { rrule: "FREQ=WEEKLY", timezone: "UTC", from: "due", exdates: [] } }, false],
] as const)("%s", (_name, fields, expected) => {
  expect(todoOverlaps(task(fields as Partial<TaskDto>), dec[0], dec[1])).toBe(expected);
});

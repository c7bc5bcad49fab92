// A .db test only because it reads the sample files in test/fixtures/imports (the tier rule: any file I/O); the parsers themselves are pure.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { zipSync } from "fflate";
import { parseImport } from "./index";
import { ImportTask } from "./items";
import { htmlToText } from "./vikunja";

const fixture = (name: string) => new Uint8Array(readFileSync(join(__dirname, "../../../test/fixtures/imports", name)));
const byTitle = (items: { kind: string }[], title: string) => items.find((i) => i.kind === "task" && (i as ImportTask).title === title) as ImportTask;

test("Vikunja: projects, tasks, HTML descriptions, priorities 0..5, labels, done, repeats, reminders and subtask relations", () => {
  const parsed = parseImport("vikunja", fixture("vikunja-export.zip"), { filename: "export.zip", timezone: "UTC" });
  expect(parsed.source).toBe("vikunja");
  expect(parsed.items.filter((i) => i.kind === "project")).toEqual([
    { kind: "project", ref: "project:1", name: "Inbox" },
    { kind: "project", ref: "project:2", name: "Home" },
  ]);
  const passport = byTitle(parsed.items, "Renew passport");
  expect(passport).toMatchObject({ ref: "task:11", projectRef: "project:1", priority: "urgent", tags: ["admin"], description: "Bring two photos & the old one", done: false });
  expect(passport.due).toEqual({ at: "2026-12-15T09:00:00.000Z" });
  expect(passport.reminders).toEqual([{ offset: "-PT60M" }]);
  const photos = byTitle(parsed.items, "Take photos");
  expect(photos).toMatchObject({ parentRef: "task:11", done: true, due: null, priority: "none" });
  // The parent comes first.
  expect(parsed.items.indexOf(passport)).toBeLessThan(parsed.items.indexOf(photos));
  expect(byTitle(parsed.items, "Vacuum").recurrence).toEqual({ rrule: "FREQ=WEEKLY;INTERVAL=1", exdates: [], from: "due" });
  expect(byTitle(parsed.items, "Pay the bills")).toMatchObject({ recurrence: { rrule: "FREQ=MONTHLY", exdates: [] }, priority: "urgent" });
  expect(byTitle(parsed.items, "Water the ferns")).toMatchObject({ recurrence: null, priority: "low" });
  expect(parsed.unmapped).toEqual([
    expect.stringMatching(/^"related" relation of task "Renew passport": only subtask relations/),
    expect.stringMatching(/^repeat of task "Water the ferns": every 5400 seconds/),
  ]);
});

test("Vikunja: a bare data.json is read; a zip without one, or JSON of another shape, is refused", () => {
  const parsed = parseImport("vikunja", fixture("vikunja-data.json"), { filename: "data.json", timezone: "UTC" });
  expect(parsed.items).toHaveLength(7);
  expect(() => parseImport("vikunja", zipSync({ "other.json": new Uint8Array(2) }), { filename: "x.zip", timezone: "UTC" })).toThrow(/no data.json/);
  expect(() => parseImport("vikunja", new TextEncoder().encode('{"hello": 1}'), { filename: "x.json", timezone: "UTC" })).toThrow(/not a list of projects/);
  expect(() => parseImport("vikunja", new TextEncoder().encode("{not json"), { filename: "x.json", timezone: "UTC" })).toThrow(/not JSON/);
});

test("HTML to text", () => {
  expect(htmlToText("<p>One</p><p>Two<br>three &lt;4&gt;</p>")).toBe("One\nTwo\nthree <4>");
});

// A .db test only because it reads the sample files in test/fixtures/imports (the tier rule: any file I/O); the parsers themselves are pure.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { zipSync } from "fflate";
import { parseImport } from "./index";
import { DEFAULT_PARSE_LIMITS, ImportFormatError, ImportTask } from "./items";
import { parseCsv } from "./csv";

const fixture = (name: string) => new Uint8Array(readFileSync(join(__dirname, "../../../test/fixtures/imports", name)));
const tasks = (items: { kind: string }[]) => items.filter((i): i is ImportTask => i.kind === "task");

test("CSV: quoted fields with commas, doubled quotes and line breaks; CRLF and a BOM", () => {
  expect(parseCsv('\ufeffa,"b, c","say ""hi""\r\nthere"\r\nx,,z\n', 10)).toEqual([["a", "b, c", 'say "hi"\r\nthere'], ["x", "", "z"]]);
  expect(() => parseCsv('a,"never closed', 10)).toThrow(ImportFormatError);
  expect(() => parseCsv("a\nb\nc\n", 2)).toThrow(/more than 2 rows/);
});

test("Todoist CSV: the project named after the file, labels, priorities p1..p4, indents as subtasks, dates kept for quick add", () => {
  const parsed = parseImport("todoist-csv", fixture("Groceries.csv"), { filename: "Groceries.csv", timezone: "UTC" });
  expect(parsed.source).toBe("todoist");
  expect(parsed.items[0]).toEqual({ kind: "project", ref: "project:Groceries", name: "Groceries" });
  const [milk, check, sniff, water, grandma, rechnung, loyer] = tasks(parsed.items);
  expect(milk).toMatchObject({ title: "Buy milk", tags: ["shopping", "dairy"], priority: "urgent", description: "Two litres, the organic one", parentRef: null, projectRef: "project:Groceries" });
  expect(milk!.due).toEqual({ text: "tomorrow at 9am", locale: "en", timezone: "Europe/Berlin" });
  expect(check).toMatchObject({ title: "Check the date", priority: "high", parentRef: milk!.ref });
  expect(sniff).toMatchObject({ title: "Sniff it", priority: "medium", parentRef: check!.ref, description: 'Only if "best before" has passed', comments: ["Ask at the counter, they know"] });
  expect(water).toMatchObject({ title: "Water the plants", priority: "none", parentRef: null, tags: ["home"] });
  // An empty PRIORITY is p1, as Todoist documents.
  expect(grandma).toMatchObject({ title: "Call grandma", priority: "urgent" });
  expect(rechnung!.due).toEqual({ text: "morgen um 10 Uhr", locale: "de", timezone: "Europe/Berlin" });
  expect(loyer!.due).toBeNull();
  expect(parsed.unmapped).toEqual([
    expect.stringMatching(/^section "Weekly".*sections are not supported/),
    expect.stringMatching(/^duration 15 minute of task "Water the plants"/),
    expect.stringMatching(/^assignee "Anna \(14781401\)" of task "Call grandma"/),
    expect.stringMatching(/^date "demain" of task "Payer le loyer".*language "fr"/),
  ]);
  // The same file: the same refs (what makes a re-import create nothing).
  const again = parseImport("todoist-csv", fixture("Groceries.csv"), { filename: "Groceries.csv", timezone: "UTC" });
  expect(again.items.map((i) => i.ref)).toEqual(parsed.items.map((i) => i.ref));
});

test("Todoist CSV: a file without its header is refused; too many rows are refused", () => {
  expect(() => parseImport("todoist-csv", new TextEncoder().encode("hello,world\n1,2\n"), { filename: "x.csv", timezone: "UTC" })).toThrow(/no TYPE column/);
  const many = "TYPE,CONTENT\n" + "task,x\n".repeat(20);
  expect(() => parseImport("todoist-csv", new TextEncoder().encode(many), { filename: "x.csv", timezone: "UTC", limits: { ...DEFAULT_PARSE_LIMITS, maxItems: 10 } })).toThrow(ImportFormatError);
});

test("Todoist backup: one project per CSV in the zip", () => {
  const parsed = parseImport("todoist-backup", fixture("todoist-backup.zip"), { filename: "backup.zip", timezone: "UTC" });
  expect(parsed.items.filter((i) => i.kind === "project").map((p) => (p as { name: string }).name)).toEqual(["Holiday", "Work"]);
  const outline = tasks(parsed.items).find((t) => t.title === "Outline")!;
  expect(tasks(parsed.items).find((t) => t.ref === outline.parentRef)!.title).toBe("Write the report");
  expect(tasks(parsed.items)).toHaveLength(5);
});

test("Todoist backup: not a zip, a zip without CSVs, and a zip bomb are refused before anything is inflated past the cap", () => {
  const opts = { filename: "b.zip", timezone: "UTC", limits: { ...DEFAULT_PARSE_LIMITS, maxInflatedBytes: 100_000 } };
  expect(() => parseImport("todoist-backup", new TextEncoder().encode("TYPE,CONTENT\n"), opts)).toThrow(/not a readable zip/);
  expect(() => parseImport("todoist-backup", zipSync({ "a.txt": new Uint8Array(3) }), opts)).toThrow(/no CSV/);
  const bomb = zipSync({ "a.csv": new Uint8Array(10_000_000) }, { level: 9 });
  expect(bomb.length).toBeLessThan(100_000);
  expect(() => parseImport("todoist-backup", bomb, opts)).toThrow(/inflates to more than 100000 bytes/);
});

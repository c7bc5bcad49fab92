/**
 * The corpus (corpus.ts): each phrase gives its expected parse; and each repeating phrase's
 * first occurrences, computed by libs/recurrence, mean what the phrase says, read on days
 * just before daylight-saving changes in three zones too.
 */
import { DateTime } from "luxon";
import { occurrencesFrom, nextOccurrence, parseRecurrence, type Recurrence } from "../../../libs/recurrence";
import { CORPUS, CORPUS_NOW, CORPUS_ZONE, type Row } from "./corpus";
import { parseQuickAdd, type QuickAddParse } from "./index";

const read = (phrase: string, now = CORPUS_NOW, timezone = CORPUS_ZONE): QuickAddParse =>
  phrase.startsWith("de:") ? parseQuickAdd(phrase.slice(3), { locale: "de", timezone, now }) : parseQuickAdd(phrase, { locale: "en", timezone, now });
const wall = (iso: string, zone: string) => DateTime.fromISO(iso, { zone }).toFormat("yyyy-MM-dd HH:mm");

test("the corpus holds at least 200 phrases, each once", () => {
  expect(CORPUS.length).toBeGreaterThanOrEqual(200);
  expect(new Set(CORPUS.map((r) => r[0])).size).toBe(CORPUS.length);
});

describe.each(CORPUS)("%s", (phrase: Row[0], title: Row[1], due: Row[2], rrule: Row[3], extra: Row[4] = {}) => {
  test("parses as expected", () => {
    const parse = read(phrase);
    const { fields } = parse;
    expect(fields.title).toBe(title);
    expect(fields.dueAt ? wall(fields.dueAt, CORPUS_ZONE) : null).toBe(due);
    expect(fields.recurrence?.rrule ?? null).toBe(rrule);
    if (fields.recurrence) expect(fields.recurrence).toMatchObject({ timezone: CORPUS_ZONE, from: extra.from ?? "due", exdates: [] });
    expect(fields.tags).toEqual(extra.tags);
    expect(fields.priority).toBe(extra.priority);
    expect(fields.reminders?.map(({ channels, ...r }) => (expect(channels).toEqual(["sse"]), r))).toEqual(extra.reminders);
    expect(parse.project?.name).toBe(extra.project);
    expect(parse.assignee?.name).toBe(extra.assignee);
    expect(parse.ambiguities).toHaveLength(extra.ambiguous ?? 0);
  });

  test("its spans are where the fields came from, apart and in order", () => {
    const text = phrase.replace(/^de:/, "");
    const { spans, fields } = read(phrase);
    spans.forEach((s, i) => {
      expect(s.start).toBeLessThan(s.end);
      expect(s.end).toBeLessThanOrEqual(text.length);
      if (i > 0) expect(s.start).toBeGreaterThanOrEqual(spans[i - 1]!.end);
      expect(fields.title.includes(text.slice(s.start, s.end).trim())).toBe(false);
    });
    const fieldsWithSpan = new Set(spans.map((s) => s.field));
    if (fields.recurrence) expect(fieldsWithSpan.has("recurrence")).toBe(true);
    if (fields.tags) expect(fieldsWithSpan.has("tags")).toBe(true);
    if (fields.priority) expect(fieldsWithSpan.has("priority")).toBe(true);
    if (fields.reminders) expect(fieldsWithSpan.has("reminders")).toBe(true);
  });
});

/** The local dates (and times) of the first occurrences of a phrase's series. */
interface Local {
  date: DateTime;
  iso: string;
}

function firstOccurrences(parse: QuickAddParse, zone: string, limit: number): Local[] {
  const rec: Recurrence = parseRecurrence(parse.fields.recurrence!, zone, new Date(parse.fields.dueAt!));
  const start = new Date(parse.fields.dueAt!);
  return occurrencesFrom(rec, start, start, limit).map((d) => ({ date: DateTime.fromJSDate(d, { zone }), iso: d.toISOString() }));
}

const daysApart = (a: DateTime, b: DateTime) => Math.round(b.startOf("day").diff(a.startOf("day"), "days").days);
const monthsApart = (a: DateTime, b: DateTime) => (b.year - a.year) * 12 + b.month - a.month;
const consecutive = (xs: Local[], step: (a: DateTime, b: DateTime) => boolean) => xs.slice(1).every((x, i) => step(xs[i]!.date, x.date));
const isWeekday = (d: DateTime) => d.weekday <= 5;
const lastWeekdayOfMonth = (d: DateTime) => {
  let end = d.endOf("month").startOf("day");
  while (!isWeekday(end)) end = end.minus({ days: 1 });
  return end.day;
};

/** What each repeating phrase of the issue means, as a check on its first occurrences. */
const MEANS: [phrase: string, means: (xs: Local[]) => boolean][] = [
  ["Standup every day at 9:30", (xs) => consecutive(xs, (a, b) => daysApart(a, b) === 1)],
  ["Clean every weekday", (xs) => xs.every((x) => isWeekday(x.date)) && consecutive(xs, (a, b) => daysApart(a, b) === (a.weekday === 5 ? 3 : 1))],
  ["Review every other week", (xs) => consecutive(xs, (a, b) => daysApart(a, b) === 14)],
  ["Team sync every 3rd friday", (xs) => xs.every((x) => x.date.weekday === 5 && x.date.day >= 15 && x.date.day <= 21) && consecutive(xs, (a, b) => monthsApart(a, b) === 1)],
  ["Invoice every last day of the month", (xs) => xs.every((x) => x.date.plus({ days: 1 }).day === 1) && consecutive(xs, (a, b) => monthsApart(a, b) === 1)],
  ["Rent every month on the 15th", (xs) => xs.every((x) => x.date.day === 15) && consecutive(xs, (a, b) => monthsApart(a, b) === 1)],
  ["Birthday every year on 3 March", (xs) => xs.every((x) => x.date.month === 3 && x.date.day === 3) && consecutive(xs, (a, b) => b.year - a.year === 1)],
  ["Water plants every 2 weeks after completion", (xs) => consecutive(xs, (a, b) => daysApart(a, b) === 14)],
  ["Gym every monday until June", (xs) => xs.every((x) => x.date.weekday === 1 && x.date.month !== 6) && daysApart(xs[xs.length - 1]!.date, xs[xs.length - 1]!.date.set({ month: 6, day: 1 })) <= 7],
  ["Course every thursday 5 times", (xs) => xs.length === 5 && xs.every((x) => x.date.weekday === 4)],
  ["Close books every last weekday of the month", (xs) => xs.every((x) => x.date.day === lastWeekdayOfMonth(x.date)) && consecutive(xs, (a, b) => monthsApart(a, b) === 1)],
  ["Close books every second-to-last weekday", (xs) => xs.every((x) => isWeekday(x.date) && x.date.day < lastWeekdayOfMonth(x.date) && x.date.plus({ days: x.date.weekday === 5 ? 3 : 1 }).day === lastWeekdayOfMonth(x.date))],
  ["Visit every 2nd and 4th tuesday", (xs) => xs.every((x) => x.date.weekday === 2 && [2, 4].includes(Math.ceil(x.date.day / 7)))],
  ["Bins every weekend", (xs) => xs.every((x) => x.date.weekday === 6) && consecutive(xs, (a, b) => daysApart(a, b) === 7)],
  ["Sprint planning every 2 weeks on monday", (xs) => xs.every((x) => x.date.weekday === 1) && consecutive(xs, (a, b) => daysApart(a, b) === 14)],
  ["Check smoke alarm every 6 months", (xs) => consecutive(xs, (a, b) => monthsApart(a, b) === 6 && a.day === b.day)],
  ["Meds every day at 8am for 10 times", (xs) => xs.length === 10 && xs.every((x) => x.date.hour === 8)],
  ["Check every 2nd weekday", (xs) => xs.every((x) => isWeekday(x.date) && x.date.day <= 4)],
  ["de:Müll jeden zweiten Dienstag", (xs) => xs.every((x) => x.date.weekday === 2) && consecutive(xs, (a, b) => daysApart(a, b) === 14)],
  ["de:Miete jeden Monat am 1.", (xs) => xs.every((x) => x.date.day === 1) && consecutive(xs, (a, b) => monthsApart(a, b) === 1)],
  ["de:jeden Werktag um 8 Uhr", (xs) => xs.every((x) => isWeekday(x.date) && x.date.hour === 8)],
];

/** Days just before a daylight-saving change: the series runs across it. */
const READ_AT: [zone: string, now: string][] = [
  [CORPUS_ZONE, CORPUS_NOW.toISOString()],
  ["Europe/Berlin", "2027-03-20T10:00:00Z"], // spring forward on 28 March
  ["America/New_York", "2026-10-24T14:00:00Z"], // fall back on 1 November
  ["Australia/Sydney", "2027-03-25T01:00:00Z"], // fall back on 4 April
];

describe("what a repeating phrase means, across DST changes", () => {
  const recurring = CORPUS.filter((row) => row[3] !== null);

  test.each(READ_AT)("every repeating phrase keeps its time of day and starts with its due date, in %s from %s", (zone, now) => {
    for (const [phrase] of recurring) {
      const parse = read(phrase, new Date(now), zone);
      const xs = firstOccurrences(parse, zone, 12);
      expect([phrase, xs[0]!.iso]).toEqual([phrase, new Date(parse.fields.dueAt!).toISOString()]);
      expect([phrase, new Set(xs.map((x) => x.date.toFormat("HH:mm"))).size]).toEqual([phrase, 1]);
      expect(xs.every((x, i) => i === 0 || x.date > xs[i - 1]!.date)).toBe(true);
      expect(new Date(parse.fields.dueAt!).getTime()).toBeGreaterThanOrEqual(new Date(now).getTime() - 24 * 3600_000);
    }
  });

  test.each(MEANS.flatMap(([phrase, means]) => READ_AT.map(([zone, now]) => [phrase, zone, now, means] as const)))(
    "%s, in %s from %s",
    (phrase, zone, now, means) => {
      const xs = firstOccurrences(read(phrase, new Date(now), zone), zone, 40);
      expect(xs.length).toBeGreaterThan(1);
      expect([phrase, means(xs) ? "means it" : xs.map((x) => x.date.toFormat("ccc yyyy-MM-dd HH:mm ZZ"))]).toEqual([phrase, "means it"]);
    },
  );

  test('"after completion": completing late moves the next due date from the completion', () => {
    const parse = read("Water plants every 2 weeks after completion");
    const rec = parseRecurrence(parse.fields.recurrence!, CORPUS_ZONE, new Date(parse.fields.dueAt!));
    const due = new Date(parse.fields.dueAt!); // Tue 1 Dec 09:00
    const next = nextOccurrence(rec, due, due, new Date("2026-12-10T12:00:00Z"), 1)!;
    expect(wall(next.toISOString(), CORPUS_ZONE)).toBe("2026-12-22 09:00"); // two weeks after the completion's week, on Tuesday
  });
});

describe("any text", () => {
  test("never throws, and keeps its spans within the text and its title within 500 characters", () => {
    const words = ["every", "2", "other", "last", "day", "week", "month", "on", "the", "15th", "31st", "friday", "#", "!", "+", "@", '"', "remind", "me", "at", "before",
      "until", "times", "starting", "tomorrow", "5pm", "next", "jeden", "Tag", "bis", "Juni", "mal", "😀", "\u0000", "\u202e", "x".repeat(60), "  ", ",", "and", "after", "completion"];
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 400; i++) {
      const text = Array.from({ length: 1 + Math.floor(random() * 30) }, () => words[Math.floor(random() * words.length)]).join(random() < 0.8 ? " " : "");
      for (const locale of ["en", "de"] as const) {
        const parse = parseQuickAdd(text.slice(0, 1000), { locale, timezone: "America/St_Johns", now: CORPUS_NOW });
        expect(parse.fields.title.length).toBeLessThanOrEqual(500);
        for (const s of parse.spans) expect(s.end).toBeLessThanOrEqual(text.length);
      }
    }
  });
});

import pg from "pg";
import { parseTimestamptz } from "./timestamptz";

const parseDate = pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ, "text") as (s: string) => Date | number | null;

const same = (text: string) => {
  const ours = parseTimestamptz(text);
  const theirs = parseDate(text);
  return [text, ours instanceof Date ? ours.getTime() : ours, theirs instanceof Date ? theirs.getTime() : theirs];
};

test("reads Postgres's timestamptz text exactly as pg's own parser does", () => {
  const texts = [
    "2026-11-30 15:49:17.165432+00",
    "2026-11-30 15:49:17+00",
    "2026-11-30 15:49:17.1+00",
    "2026-11-30 15:49:17.999999+00",
    "2026-03-29 02:30:00+05:30",
    "2026-03-29 02:30:00.5-03",
    "2026-01-01 00:00:00-09:30",
    "1000-01-01 00:00:00+00",
    "9999-12-31 23:59:59.999+00",
    // Left to postgres-date: each still right.
    "0001-01-01 00:00:00+00",
    "0099-06-01 12:00:00+00",
    "2000-01-01 00:00:00 BC+00",
    "1883-11-18 11:59:59+00:09:21",
    "12026-01-01 00:00:00+00",
    "infinity",
    "-infinity",
  ];
  for (const text of texts) {
    const [t, ours, theirs] = same(text);
    expect({ t, v: ours }).toEqual({ t, v: theirs });
  }
  expect(parseTimestamptz("2026-11-30 15:49:17.165432+00")).toEqual(new Date("2026-11-30T15:49:17.165Z"));
  expect(parseTimestamptz("2026-03-29 02:30:00+05:30")).toEqual(new Date("2026-03-28T21:00:00.000Z"));
});

test("agrees with pg's parser on 20,000 random instants, fractions and offsets", () => {
  let seed = 42;
  const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
  const pad = (v: number, w: number) => String(v).padStart(w, "0");
  for (let k = 0; k < 20_000; k++) {
    const d = new Date(Date.UTC(1000, 0, 1) + Math.floor(random() * (Date.UTC(9999, 11, 31) - Date.UTC(1000, 0, 1))));
    const fraction = random() < 0.2 ? "" : `.${pad(Math.floor(random() * 1_000_000), 6).slice(0, 1 + Math.floor(random() * 6))}`;
    const hours = Math.floor(random() * 15);
    const minutes = [0, 0, 30, 45][Math.floor(random() * 4)]!;
    const offset = `${random() < 0.5 ? "+" : "-"}${pad(hours, 2)}${minutes ? `:${pad(minutes, 2)}` : ""}`;
    const text = `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)} ${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}${fraction}${offset}`;
    const [t, ours, theirs] = same(text);
    if (ours !== theirs) expect({ t, v: ours }).toEqual({ t, v: theirs });
  }
});

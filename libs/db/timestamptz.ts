import pg from "pg";

/** pg's own parser (postgres-date), taken before libs/db puts this one in its place. */
const parseDate = pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ, "text") as (s: string) => Date | number | null;

const ZERO = 48;
const digit = (s: string, i: number) => s.charCodeAt(i) - ZERO;
const two = (s: string, i: number) => digit(s, i) * 10 + digit(s, i + 1);
const isDigit = (s: string, i: number) => {
  const c = s.charCodeAt(i);
  return c >= ZERO && c <= ZERO + 9;
};

/**
 * Postgres's text form of a timestamptz, `2026-11-30 15:49:17.165432+00`, as a Date, the way
 * postgres-date (pg's own parser) reads it: milliseconds truncated, offsets `±HH[:MM]`. pg's
 * parser runs six regular expressions a value; a list page has 250 of them, and this was the
 * tasks service's third-largest cost (issue 14). Anything else (BC, a year outside 1000–9999,
 * seconds in the offset, infinity) goes to postgres-date.
 */
export function parseTimestamptz(s: string): Date | number | null {
  const n = s.length;
  if (
    n >= 22 &&
    s.charCodeAt(4) === 45 &&
    s.charCodeAt(7) === 45 &&
    s.charCodeAt(10) === 32 &&
    s.charCodeAt(13) === 58 &&
    s.charCodeAt(16) === 58 &&
    digit(s, 0) >= 1 &&
    digit(s, 0) <= 9
  ) {
    let i = 19;
    let ms = 0;
    if (s.charCodeAt(i) === 46) {
      let digits = 0;
      for (i++; i < n && isDigit(s, i); i++, digits++) if (digits < 3) ms = ms * 10 + digit(s, i);
      if (digits === 0) return parseDate(s);
      for (; digits < 3; digits++) ms *= 10;
    }
    const sign = s.charCodeAt(i) === 43 ? 1 : s.charCodeAt(i) === 45 ? -1 : 0;
    if (sign !== 0 && (i + 3 === n || (i + 6 === n && s.charCodeAt(i + 3) === 58))) {
      const offsetMinutes = two(s, i + 1) * 60 + (i + 6 === n ? two(s, i + 4) : 0);
      const year = two(s, 0) * 100 + two(s, 2);
      const utc = Date.UTC(year, two(s, 5) - 1, two(s, 8), two(s, 11), two(s, 14), two(s, 17), ms);
      return new Date(utc - sign * offsetMinutes * 60_000);
    }
  }
  return parseDate(s);
}

/**
 * Times in the user's zone (from GET /me), whatever zone the browser is in. Wall clock to
 * instant goes through the server's own conversion, so a time in a DST gap or overlap
 * means the same here as in the scheduler.
 */
import { fromWallClock, toWallClock } from "../../libs/time";

const formats = new Map<string, Intl.DateTimeFormat>();
function format(zone: string, options: Intl.DateTimeFormatOptions, locale?: string): Intl.DateTimeFormat {
  const key = `${locale}|${zone}|${JSON.stringify(options)}`;
  let f = formats.get(key);
  if (!f) formats.set(key, (f = new Intl.DateTimeFormat(locale, { ...options, timeZone: zone })));
  return f;
}

/** "14 Jan 2030, 09:00" in the reader's locale and the user's zone. */
export function formatInstant(at: string | Date, zone: string, locale?: string): string {
  return format(zone, { dateStyle: "medium", timeStyle: "short" }, locale).format(new Date(at));
}

/** "Mon 14 Jan 2030, 09:00": for lists of occurrences, where the weekday matters. */
export function formatWithWeekday(at: string | Date, zone: string, locale?: string): string {
  const options = { weekday: "short", day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" } as const;
  return format(zone, options, locale).format(new Date(at));
}

/** The value of a `datetime-local` input showing `at` in `zone` ("2030-01-14T09:00", seconds only when set). */
export function toLocalInput(at: string | Date, zone: string): string {
  const text = toWallClock(new Date(at), zone).toISOString().slice(0, 19);
  return text.endsWith(":00") ? text.slice(0, 16) : text;
}

/** The instant a `datetime-local` value names in `zone`, or null when the value is empty or malformed. */
export function fromLocalInput(value: string, zone: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/.test(value)) return null;
  const wall = new Date(`${value}Z`);
  return Number.isNaN(wall.getTime()) ? null : fromWallClock(wall, zone);
}

/** Midnight at the start of a calendar day ("2030-01-14") in `zone`. */
export function startOfDay(day: string, zone: string): Date | null {
  return fromLocalInput(`${day}T00:00`, zone);
}

/** The calendar day ("2030-01-14") `at` falls on in `zone`. */
export function dayOf(at: Date, zone: string): string {
  return toWallClock(at, zone).toISOString().slice(0, 10);
}

/** The calendar day `days` after `day`. */
export function addDays(day: string, days: number): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** The browser's zone: the default for a new account. */
export const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";

/** Every zone the browser knows, for the settings' list. */
export function knownZones(): string[] {
  const intl = Intl as typeof Intl & { supportedValuesOf?: (key: string) => string[] };
  return intl.supportedValuesOf?.("timeZone") ?? [browserZone(), "UTC"];
}

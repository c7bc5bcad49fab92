import { IANAZone } from "luxon";

/**
 * Wall-clock time in an IANA time zone, as a "fake UTC" Date: a Date whose UTC fields
 * (getUTCFullYear ... getUTCMilliseconds) are the local date and time in the zone.
 * rrule.js and calendar arithmetic run on these, where every day has 24 hours; only
 * `fromWallClock` turns one back into a real instant.
 */
export type WallClock = Date;

export const DAY_MS = 86_400_000;

/** An IANA name ("Europe/Berlin", "UTC"), not a bare offset like "+01:00". */
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+\-/]*$/;

/** The zone's canonical spelling ("europe/berlin" → "Europe/Berlin"), or null when it is not an IANA zone. */
export function normaliseTimeZone(name: string): string | null {
  if (!ZONE_NAME.test(name) || !IANAZone.isValidZone(name)) return null;
  const resolved = new Intl.DateTimeFormat("en-US", { timeZone: name }).resolvedOptions().timeZone;
  // Keep a valid alias as given ("US/Eastern"); only fix its letter case.
  return resolved.toLowerCase() === name.toLowerCase() ? resolved : name;
}

function zoneOffsetMs(zone: string, instantMs: number): number {
  const minutes = IANAZone.create(zone).offset(instantMs);
  if (Number.isNaN(minutes)) throw new RangeError(`unknown time zone "${zone}"`);
  return Math.round(minutes * 60_000);
}

/** The local date and time of `instant` in `zone`. */
export function toWallClock(instant: Date, zone: string): WallClock {
  return new Date(instant.getTime() + zoneOffsetMs(zone, instant.getTime()));
}

/**
 * The instant at which the clocks in `zone` show `wall`: the one rule for local times
 * that do not name exactly one instant, used by recurrence, reminder offsets and quiet
 * hours alike.
 *
 * - A time skipped by a daylight-saving gap (02:30 on a spring-forward night) is read with
 *   the offset in force before the gap, so it moves forward by the gap's length: 03:30
 *   (RFC 5545 section 3.3.5, which recurrences must follow, and what Temporal's
 *   "compatible" disambiguation does).
 * - A time that happens twice (an autumn overlap) is the earlier instant, or the later
 *   one with `prefer: "later"`.
 */
export function fromWallClock(wall: WallClock, zone: string, prefer: "earlier" | "later" = "earlier"): Date {
  const local = wall.getTime();
  // Offsets in force around that date; a transition lies between them when they differ.
  const before = zoneOffsetMs(zone, local - 2 * DAY_MS);
  const after = zoneOffsetMs(zone, local + 2 * DAY_MS);
  const candidates = [local - before, local - after]
    .filter((utc) => zoneOffsetMs(zone, utc) + utc === local)
    .sort((a, b) => a - b);
  const chosen = prefer === "later" ? candidates.at(-1) : candidates[0];
  return new Date(chosen ?? local - before);
}

/** How far into its wall-clock day `wall` is, in ms (also before 1970, where the remainder is negative). */
export function msIntoDay(wall: WallClock): number {
  return ((wall.getTime() % DAY_MS) + DAY_MS) % DAY_MS;
}

/**
 * Time for every service: wall clocks in IANA zones (one rule for skipped and repeated
 * local times), ISO 8601 durations, and instants as API text. Pure functions: "now" comes
 * from libs/clock.
 */
export { DAY_MS, fromWallClock, msIntoDay, normaliseTimeZone, toWallClock, type WallClock } from "./zoned";
export { applyOffset, formatOffset, ISO_DURATION, MAX_OFFSET_DAYS, readOffset, type Offset } from "./duration";
export { inInstantRange, isoOrNull, MAX_INSTANT_MS, MIN_INSTANT_MS } from "./instant";

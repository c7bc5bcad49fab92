/**
 * An instant as the API writes it (ISO 8601 in UTC, with milliseconds), from a row's Date
 * or a string; null for a missing one. A present value gives a string, so callers need no `!`.
 */
export function isoOrNull(value: Date | string): string;
export function isoOrNull(value: Date | string | null | undefined): string | null;
export function isoOrNull(value: Date | string | null | undefined): string | null {
  return value === null || value === undefined ? null : new Date(value).toISOString();
}

/** The instants every store and library here can hold: years 0001 to 9999 in UTC. */
// Date.UTC maps years 0-99 to 1900-1999, hence the literal: 0001-01-01T00:00:00Z.
export const MIN_INSTANT_MS = -62_135_596_800_000;
export const MAX_INSTANT_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** Whether `at` lies in years 0001-9999 (UTC): Postgres, JSON and the scheduler all agree on those. */
export function inInstantRange(at: Date | number): boolean {
  const ms = typeof at === "number" ? at : at.getTime();
  return Number.isFinite(ms) && ms >= MIN_INSTANT_MS && ms <= MAX_INSTANT_MS;
}

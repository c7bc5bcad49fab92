/**
 * An instant as the API writes it (ISO 8601 in UTC, with milliseconds), from a row's Date
 * or a string; null for a missing one. A present value gives a string, so callers need no `!`.
 */
export function isoOrNull(value: Date | string): string;
export function isoOrNull(value: Date | string | null | undefined): string | null;
export function isoOrNull(value: Date | string | null | undefined): string | null {
  return value === null || value === undefined ? null : new Date(value).toISOString();
}

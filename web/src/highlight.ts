/** Search hits' highlights as text parts: the page renders matched parts in bold, as text nodes (never HTML). */
export type Range = [number, number];

/**
 * `text` cut at the ranges (end exclusive, JavaScript string indices, as the API documents),
 * each part marked whether it matched. Ranges out of order, overlapping or past the end are
 * clamped and merged: a stale or odd answer never garbles the title.
 */
export function highlightParts(text: string, ranges: Range[] | undefined): { text: string; hit: boolean }[] {
  const sorted = (ranges ?? [])
    .map(([s, e]) => [Math.max(0, Math.min(s, text.length)), Math.max(0, Math.min(e, text.length))] as Range)
    .filter(([s, e]) => e > s)
    .sort((a, b) => a[0] - b[0]);
  const parts: { text: string; hit: boolean }[] = [];
  let at = 0;
  for (const [s, e] of sorted) {
    if (e <= at) continue;
    const start = Math.max(s, at);
    if (start > at) parts.push({ text: text.slice(at, start), hit: false });
    parts.push({ text: text.slice(start, e), hit: true });
    at = e;
  }
  if (at < text.length || parts.length === 0) parts.push({ text: text.slice(at), hit: false });
  return parts;
}

/** A facet's counts as a label suffix: " (12)", or nothing when the value has none. */
export const countLabel = (counts: Record<string, number> | undefined, value: string): string => {
  const n = counts?.[value];
  return n ? ` (${n})` : "";
};

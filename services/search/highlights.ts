import { Highlights, MAX_COMMENT_HIGHLIGHTS, TaskDto } from "../../libs/contracts";

/** Words of a query, lower-cased: letters and digits only (both engines split text the same way). */
export function queryWords(q: string): string[] {
  return (q.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, 16);
}

export type Range = [number, number];

/**
 * Typos forgiven as Meilisearch does (one from 4 letters, two from 8), by optimal string
 * alignment distance between the query word and the text word's start of about its length.
 */
function withinTypos(word: string, token: string): boolean {
  if (word.length < 4) return false;
  const allowed = word.length >= 8 ? 2 : 1;
  for (let len = Math.max(1, word.length - allowed); len <= Math.min(token.length, word.length + allowed); len++) {
    if (distance(word, token.slice(0, len), allowed) <= allowed) return true;
  }
  return false;
}

function distance(a: string, b: string, cap: number): number {
  if (Math.abs(a.length - b.length) > cap) return cap + 1;
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * Where the query's words occur in `text`, as end-exclusive UTF-16 ranges, sorted. A word
 * matching a text word's start marks that prefix ("pro" in "Project"); with `typos`, a word
 * within the typo allowance marks the whole text word. Computed on the text itself, so both
 * engines answer the same ranges for the same document.
 */
export function highlight(text: string, words: string[], typos: boolean): Range[] {
  if (!text || words.length === 0) return [];
  const ranges: Range[] = [];
  for (const m of text.matchAll(/[\p{L}\p{N}]+/gu)) {
    const token = m[0];
    const start = m.index;
    const lower = token.toLowerCase();
    // Lower-casing can change the length ("İ"): then the prefix's end is not known, mark the word.
    const prefix = words.filter((w) => lower.startsWith(w)).reduce((a, w) => Math.max(a, w.length), 0);
    if (prefix > 0) ranges.push([start, start + (lower.length === token.length ? prefix : token.length)]);
    else if (typos && words.some((w) => withinTypos(w, lower))) ranges.push([start, start + token.length]);
  }
  return ranges;
}

/** A comment as the index keeps it for highlights: its id and text. */
export interface IndexedCommentText {
  id: string;
  text: string;
}

/** How much of a comment a highlight shows: the first match with some text before and after. */
export const EXCERPT_BEFORE = 40;
export const EXCERPT_LENGTH = 200;

/**
 * The excerpt of a long comment around its first match, cut at word boundaries where it can
 * be, and its ranges shifted into the excerpt (a range crossing the excerpt's end is cut).
 */
export function excerpt(text: string, ranges: Range[]): { text: string; ranges: Range[] } {
  if (text.length <= EXCERPT_LENGTH) return { text, ranges };
  let start = Math.max(0, ranges[0]![0] - EXCERPT_BEFORE);
  const space = text.lastIndexOf(" ", start);
  if (start > 0 && space >= 0 && start - space < 20) start = space + 1;
  // Never split a surrogate pair.
  if (start > 0 && /[\uDC00-\uDFFF]/.test(text[start]!)) start++;
  let end = Math.min(text.length, start + EXCERPT_LENGTH);
  const lastSpace = text.lastIndexOf(" ", end);
  if (end < text.length && lastSpace > ranges[0]![1] && end - lastSpace < 20) end = lastSpace;
  if (end < text.length && /[\uD800-\uDBFF]/.test(text[end - 1]!)) end--;
  const shifted = ranges.flatMap(([a, b]): Range[] => (a < end && b > start ? [[Math.max(a, start) - start, Math.min(b, end) - start]] : []));
  return { text: text.slice(start, end), ranges: shifted };
}

/**
 * The highlights of one hit: title and description, a field only when it matched, and the
 * first matching comments (whole words and prefixes only: comments are not searched for typos).
 */
export function highlightsOf(task: TaskDto, q: string, typos: boolean, comments?: IndexedCommentText[] | null): Highlights {
  const words = queryWords(q);
  const title = highlight(task.title, words, typos);
  const description = highlight(task.description, words, typos);
  const matched: NonNullable<Highlights["comments"]> = [];
  for (const c of comments ?? []) {
    if (matched.length >= MAX_COMMENT_HIGHLIGHTS) break;
    const ranges = highlight(c.text, words, false);
    if (ranges.length) matched.push({ commentId: c.id, ...excerpt(c.text, ranges) });
  }
  return { ...(title.length ? { title } : {}), ...(description.length ? { description } : {}), ...(matched.length ? { comments: matched } : {}) };
}

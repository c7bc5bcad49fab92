/**
 * The phrase being read: each recognised part claims its characters, so later matchers
 * cannot reuse them and what nobody claims is the title. Claimed characters read as
 * U+0001 to the matchers (no letter, no space: no pattern runs across a claim), and
 * every match reports its span in the original text.
 */
import type { Span, SpanField } from "./types";

const CLAIMED = "\u0001";
/** Not inside a word on either side (letters of every script, digits, underscore). */
const edge = (source: string) => `(?<![\\p{L}\\p{N}_])(?:${source})(?![\\p{L}\\p{N}_])`;

export class TextClaims {
  readonly spans: Span[] = [];
  private masked: string;

  constructor(readonly text: string) {
    this.masked = text;
  }

  /** The text as the matchers see it, claimed parts hidden. */
  get visible(): string {
    return this.masked;
  }

  claim(start: number, end: number, field: SpanField): void {
    this.masked = this.masked.slice(0, start) + CLAIMED.repeat(end - start) + this.masked.slice(end);
    this.spans.push({ start, end, field });
  }

  /** Every match of a word-bounded, case-insensitive pattern, in order; `take` decides whether it claims it. */
  each(source: string, field: SpanField, take: (m: RegExpExecArray) => boolean, bounded = true): void {
    const re = new RegExp(bounded ? edge(source) : source, "giu");
    for (const m of [...this.masked.matchAll(re)]) {
      if (take(m as RegExpExecArray)) this.claim(m.index!, m.index! + m[0].length, field);
    }
  }

  /** The first match (word-bounded, case-insensitive), claimed when `take` accepts it. */
  first(source: string, field: SpanField, take: (m: RegExpExecArray) => boolean = () => true): RegExpExecArray | null {
    const m = new RegExp(edge(source), "iu").exec(this.masked);
    if (!m || !take(m)) return null;
    this.claim(m.index, m.index + m[0].length, field);
    return m;
  }

  /** What nobody claimed, spaces collapsed, stray separators at the ends dropped. */
  rest(): string {
    return this.masked
      .split(CLAIMED)
      .join(" ")
      .replace(/\s+/g, " ")
      .replace(/^[\s,;:–-]+|[\s,;:–-]+$/g, "")
      .trim();
  }
}

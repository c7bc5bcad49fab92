/**
 * Quick add: a phrase ("Pay rent every 1st at 9am #home !high") read into a task's fields.
 *
 *   parseQuickAdd(text, {locale, timezone, now}) → QuickAddParse   pure; names after + and @ unresolved
 *   resolveNames(db, auth, parse) → the project and member ids those names mean   (names.ts)
 */
import { readPhrase } from "./grammar";
import type { QuickAddLocale, QuickAddParse } from "./types";
import type { Vocabulary } from "./vocabulary";

export { DEFAULT_HOUR } from "./grammar";
export * from "./types";

/**
 * Loaded at the first phrase: chrono-node's locales are a fifth of a second of every start
 * (issue 14, the embedded start), and most processes never read a phrase.
 */
const VOCABULARIES: Record<QuickAddLocale, () => Vocabulary> = {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  en: () => (require("./en") as typeof import("./en")).english,
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  de: () => (require("./de") as typeof import("./de")).german,
};

export interface QuickAddOptions {
  locale: QuickAddLocale;
  timezone: string;
  now: Date;
}

export function parseQuickAdd(text: string, { locale, timezone, now }: QuickAddOptions): QuickAddParse {
  return readPhrase(text, VOCABULARIES[locale](), timezone, now);
}

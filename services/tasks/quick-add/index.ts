/**
 * Quick add: a phrase ("Pay rent every 1st at 9am #home !high") read into a task's fields.
 *
 *   parseQuickAdd(text, {locale, timezone, now}) → QuickAddParse   pure; names after + and @ unresolved
 *   resolveNames(db, auth, parse) → the project and member ids those names mean   (names.ts)
 */
import { german } from "./de";
import { english } from "./en";
import { readPhrase } from "./grammar";
import type { QuickAddLocale, QuickAddParse } from "./types";
import type { Vocabulary } from "./vocabulary";

export { DEFAULT_HOUR } from "./grammar";
export * from "./types";

const VOCABULARIES: Record<QuickAddLocale, Vocabulary> = { en: english, de: german };

export interface QuickAddOptions {
  locale: QuickAddLocale;
  timezone: string;
  now: Date;
}

export function parseQuickAdd(text: string, { locale, timezone, now }: QuickAddOptions): QuickAddParse {
  return readPhrase(text, VOCABULARIES[locale], timezone, now);
}

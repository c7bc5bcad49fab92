/**
 * What a locale brings to the quick-add grammar: its date parser (chrono-node's) and its
 * words. The grammar (grammar.ts) is the same for every locale: each locale writes the same
 * named forms as regular expressions with the same named groups, and the words those groups
 * capture are read through the locale's tables. A new language is one more such file.
 *
 * Placeholders in the forms, expanded once: {WD} a weekday, {MON} a month, {ORD} an ordinal
 * ("3rd", "last", "dritten"), {N} an interval ("2", "other", "zweite"), {DAY} a day of the
 * month ("15th", "15."), {TIME} a time of day handed to chrono.
 */
import type { Chrono } from "chrono-node";
import type { Priority } from "../../../libs/contracts";

export type DurationUnit = "M" | "H" | "D" | "W";
export type FreqUnit = "DAILY" | "WEEKLY" | "MONTHLY" | "YEARLY";

/** The recurrence forms every locale writes, with the groups each may use. */
export interface RecurrenceForms {
  /** every last day of the month */
  lastDayOfMonth: string;
  /** every last weekday of the month; groups: ord */
  nthWorkday: string;
  /** every 3rd friday; groups: ord, wd */
  nthWeekday: string;
  /** every weekday / every other workday; groups: n? */
  workdays: string;
  /** every weekend */
  weekend: string;
  /** every monday and thursday; groups: n?, wds (the whole list) */
  weekdays: string;
  /** every month on the 15th / every 15th; groups: day */
  monthDay: string;
  /** every year on 3 March / every March 3; groups: day, mon */
  yearDate: string;
  /** every 2 weeks / every other day / daily; groups: n?, unit */
  unit: string;
}

export interface Vocabulary {
  locale: "en" | "de";
  chrono: Chrono;
  /** Names of MO..SU, each a regex alternation (abbreviations and plurals included). */
  weekdays: string[];
  /** Names of January..December, each a regex alternation. */
  months: string[];
  forms: RecurrenceForms;
  /** Suffixes of a recurrence: from completion; until and starting (keywords, the date after them is chrono's); N times (group count). */
  completion: string;
  until: string;
  count: string;
  starting: string;
  /** remind me 30 min before (groups amount, unit); remind at 8am (group time) */
  remindBefore: string;
  remindAt: string;
  /** end of month, without chrono's help (it reads it as today) */
  endOfMonth: string;
  /** Ordinal words ("3rd", "last", "dritten") by position; negative from the end. */
  ordinals: Record<string, number>;
  /** Interval words ("other", "zweite") besides digits. */
  numbers: Record<string, number>;
  /** A day of the month as written ("15th", "15."), a regex. */
  day: string;
  unit(word: string): FreqUnit;
  durationUnit(word: string): DurationUnit;
  priorities: Record<string, Priority>;
}

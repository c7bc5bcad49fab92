/**
 * What a locale brings to the quick-add grammar: its date parser (chrono-node's) and its
 * words. The grammar (grammar.ts) is the same for every locale: each locale writes the same
 * named forms as regular expressions with the same named groups, and the words those groups
 * capture are read through the locale's tables. A new language is one more such file.
 *
 * Placeholders in the forms, expanded once: {WD} a weekday, {MON} a month, {ORD} an ordinal
 * ("3rd", "last", "dritten"), {N} an interval ("2", "other", "zweite"), {DAY} a day of the
 * month ("15th", "15."), {TIME} a time of day, {EVERY} the words for "every", {LIST} a list's joints.
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
  /** every 3rd friday, every 2nd and 4th tuesday; groups: ord (the list), wd, month (" of the month", when said) */
  nthWeekday: string;
  /** every weekday / every other workday; groups: n? */
  workdays: string;
  /** every weekend: Saturdays (Todoist's reading: one task a weekend) */
  weekend: string;
  /** every morning / every evening: daily at partsOfDay's time; groups: part or part2 */
  partOfDay: string;
  /** every monday and thursday; groups: n?, wds (the whole list) */
  weekdays: string;
  /** every month on the 15th / every 15th; groups: day */
  monthDay: string;
  /** every year on 3 March / every March 3; groups: day, mon */
  yearDate: string;
  /** every 2 weeks / every other day / daily / every 2 weeks on monday; groups: n?, unit, wds? */
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
  /** The words for "every" ({EVERY} in the forms); "every!" (Todoist's) counts from completion. */
  every: string;
  /** Words before a date that belong to it ("on 3 March", "am 3. März"): claimed with the date. */
  datePrefix: string;
  /** Ordinals of "every <ordinal> <weekday>" that some read as "every other week": an ambiguity says how it was read. */
  ambiguousOrdinal: string;
  /** A repetition more often than daily, which tasks cannot have: left in the title, with an ambiguity. */
  subDaily: string;
  /** Times of day of "every morning" and the like, by word (lower case), in minutes. */
  partsOfDay: Record<string, number>;
  /** What joins the days of a list ({LIST}): ", ", " and ", ", and ". */
  listJoin: string;
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
  /** What a unit word ("weeks", "monatlich") starts with, by the frequency it means. */
  units: Record<FreqUnit, string>;
  /** The same for a reminder's "30 min" / "2 Tage". */
  durationUnits: Record<DurationUnit, string>;
  priorities: Record<string, Priority>;
}

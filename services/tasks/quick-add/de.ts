import * as chrono from "chrono-node";
import type { Vocabulary } from "./vocabulary";

const ORDINALS: Record<string, number> = {
  "1.": 1, erste: 1, ersten: 1, "2.": 2, zweite: 2, zweiten: 2, "3.": 3, dritte: 3, dritten: 3, "4.": 4, vierte: 4, vierten: 4,
  "5.": 5, "fünfte": 5, "fünften": 5, letzte: -1, letzten: -1, vorletzte: -2, vorletzten: -2,
};
/** montags, dienstags, ...: "on Mondays", a weekly repetition by itself */
const ADV = "(?:montags|dienstags|mittwochs|donnerstags|freitags|samstags|sonntags)";
const DAY = "(?:[12]\\d|3[01]|0?[1-9])\\.";
const NUMBERS: Record<string, number> = { zwei: 2, zweite: 2, zweiten: 2, drei: 3, dritte: 3, dritten: 3, vier: 4, "fünf": 5, sechs: 6 };

export const german: Vocabulary = {
  locale: "de",
  chrono: chrono.de.casual,
  weekdays: ["mo(?:ntags?)?", "di(?:enstags?)?", "mi(?:ttwochs?)?", "do(?:nnerstags?)?", "fr(?:eitags?)?", "sa(?:mstags?)?", "so(?:nntags?)?"],
  months: ["jan(?:uar)?", "feb(?:ruar)?", "m(?:ä|ae)r(?:z)?", "apr(?:il)?", "mai", "jun[i]?", "jul[i]?", "aug(?:ust)?", "sep(?:t|tember)?", "okt(?:ober)?", "nov(?:ember)?", "dez(?:ember)?"],
  forms: {
    lastDayOfMonth: "(?:jeden|am) letzten (?:Tag|Tag des Monats)(?: des Monats| im Monat)?|jedes Monatsende|jeden Monat am letzten Tag",
    nthWorkday: "jeden (?<ord>{ORD}) (?:Werktag|Arbeitstag)(?: des Monats| im Monat)?",
    // "jeden zweiten Dienstag" is every other week; with "im Monat", the month's second
    nthWeekday: "jeden (?<ord>{ORD}(?:(?:{LIST}){ORD})*) (?<wd>{WD})(?<month> des Monats| im Monat)|jeden (?<ord2>erste[n]?|letzte[n]?|vorletzte[n]?|\\d\\.) (?<wd2>{WD})",
    workdays: "(?:jeden|alle) (?:(?<n>{N}) )?(?:Werktage?|Arbeitstage?)|werktags|wochentags",
    weekend: "jedes Wochenende|an Wochenenden",
    partOfDay: "jede[nrs]? (?<part>Morgen|Mittag|Abend|Nacht)|(?<part2>morgens|mittags|abends|nachts)",
    weekdays: `(?:jeden|alle) (?:(?<n>{N}) )?(?<wds>{WD}(?:(?:{LIST})(?:{WD}))*)|(?<wds2>${ADV}(?:(?:{LIST})${ADV})*)`,
    monthDay: "(?:jeden Monat|monatlich) am (?<day>{DAY})|jeden (?<day2>{DAY})(?: des Monats| im Monat)?",
    yearDate: "(?:jedes Jahr|jährlich) am (?<day>{DAY}) ?(?<mon>{MON})|jeden (?<day3>{DAY}) ?(?<mon3>{MON})",
    unit: "(?:jede[nrs]?|alle) (?:(?<n>{N}) )?(?<unit>Tage?|Wochen?|Monate?|Jahre?)(?: am (?<wds>{WD}(?:(?:{LIST}){WD})*))?|(?<unit2>täglich|wöchentlich|monatlich|jährlich)",
  },
  every: "jede[nrs]?|alle",
  datePrefix: "am|um|bis",
  ambiguousOrdinal: "(?!)",
  subDaily: "(?:jede|alle) (?:\\d{1,3} |zwei )?(?:Stunden?|Minuten?)|stündlich",
  partsOfDay: { morgen: 9 * 60, morgens: 9 * 60, mittag: 12 * 60, mittags: 12 * 60, abend: 19 * 60, abends: 19 * 60, nacht: 22 * 60, nachts: 22 * 60 },
  listJoin: "\\s*,\\s*(?:und\\s+)?|\\s+und\\s+|\\s*&\\s*",
  completion: "nach (?:Erledigung|Abschluss|dem Erledigen)",
  until: "bis(?: zum| zur)?",
  count: "(?<count>\\d{1,4}) ?-?mal",
  starting: "(?:ab|beginnend(?: am)?)",
  remindBefore: "erinnere?(?:n)?(?: mich)? (?<amount>\\d{1,4}) ?(?<unit>m|min|minuten?|h|std|stunden?|t|tage?n?|w|wochen?)(?: vorher| davor| früher)",
  remindAt: "erinnere?(?:n)?(?: mich)? um (?<time>{TIME})",
  endOfMonth: "(?:zum |am |bis )?(?:Monatsende|Ende des Monats)",
  units: { DAILY: "tag|täglich", WEEKLY: "woche|wöchentlich", MONTHLY: "monat", YEARLY: "jahr|jährlich" },
  durationUnits: { M: "m", H: "h|s", D: "t", W: "w" },
  ordinals: ORDINALS,
  numbers: NUMBERS,
  day: DAY,
  priorities: { dringend: "urgent", hoch: "high", mittel: "medium", niedrig: "low", keine: "none" },
};

import * as chrono from "chrono-node";
import type { Vocabulary } from "./vocabulary";

const ORDINALS: Record<string, number> = {
  first: 1, "1st": 1, second: 2, "2nd": 2, third: 3, "3rd": 3, fourth: 4, "4th": 4, fifth: 5, "5th": 5,
  last: -1, "second-to-last": -2, "second to last": -2, "second last": -2, "penultimate": -2,
};
const DAY = "(?:[12]\\d|3[01]|0?[1-9])(?:st|nd|rd|th)?";
const NUMBERS: Record<string, number> = { other: 2, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10 };

export const english: Vocabulary = {
  locale: "en",
  chrono: chrono.en.casual,
  weekdays: ["mon(?:day)?s?", "tue(?:s|sday)?s?", "wed(?:nesday)?s?", "thu(?:rs?|rsday)?s?", "fri(?:day)?s?", "sat(?:urday)?s?", "sun(?:day)?s?"],
  months: ["jan(?:uary)?", "feb(?:ruary)?", "mar(?:ch)?", "apr(?:il)?", "may", "june?", "july?", "aug(?:ust)?", "sep(?:t|tember)?", "oct(?:ober)?", "nov(?:ember)?", "dec(?:ember)?"],
  forms: {
    lastDayOfMonth: "{EVERY} (?:last|final) day(?: of (?:the|each|every) month)?|{EVERY} month on the last day|{EVERY} end of (?:the )?month",
    nthWorkday: "{EVERY} (?<ord>{ORD}) (?:weekday|workday|business day|working day)(?: of (?:the|each|every) month)?",
    nthWeekday: "{EVERY} (?<ord>{ORD}(?:(?:{LIST}){ORD})*) (?<wd>{WD})(?<month> of (?:the|each|every) month)?",
    workdays: "{EVERY} (?:(?<n>{N}) )?(?:weekday|workday|business day|working day)s?|weekdays|workdays",
    weekend: "{EVERY} weekend",
    partOfDay: "{EVERY} (?<part>morning|afternoon|evening|night)",
    weekdays: "{EVERY} (?:(?<n>{N}) )?(?<wds>{WD}(?:(?:{LIST})(?:{WD}))*)",
    monthDay: "(?:{EVERY} month|monthly) on the (?<day>{DAY})|{EVERY} (?<day2>(?:[12]\\d|3[01]|0?[1-9])(?:st|nd|rd|th)?)(?! ?(?:days?|weeks?|months?|years?|hours?|minutes?|times?|workdays?|weekdays?|{MON})(?![\\p{L}]))(?: of (?:the|each|every) month)?",
    yearDate: "(?:{EVERY} year|yearly|annually) on (?:the )?(?:(?<day>{DAY}) (?:of )?(?<mon>{MON})|(?<mon2>{MON}) (?<day2>{DAY}))|{EVERY} (?:(?<day3>{DAY}) (?:of )?(?<mon3>{MON})|(?<mon4>{MON}) (?<day4>{DAY}))",
    unit: "{EVERY} (?:(?<n>{N}) )?(?<unit>day|week|month|year)s?(?: on (?<wds>{WD}(?:(?:{LIST}){WD})*))?|(?<unit2>daily|weekly|monthly|yearly|annually|fortnightly|biweekly)",
  },
  every: "every|each|ev",
  datePrefix: "on|at|by|due",
  /** "every second wednesday": the month's second, as Todoist reads it; some mean every other week */
  ambiguousOrdinal: "second|2nd",
  subDaily: "{EVERY} (?:\\d{1,3} |other )?(?:hours?|minutes?|mins?)",
  partsOfDay: { morning: 9 * 60, afternoon: 12 * 60, evening: 19 * 60, night: 22 * 60 },
  listJoin: "\\s*,\\s*(?:and\\s+)?|\\s+and\\s+|\\s*&\\s*",
  completion: "after (?:completion|(?:it'?s |it is )?(?:done|completed))",
  until: "(?:until|till|through|up to)",
  count: "(?:for )?(?<count>\\d{1,4}) times",
  starting: "(?:starting|beginning)(?: on| from)?",
  remindBefore: "remind(?: me)? (?<amount>\\d{1,4}) ?(?<unit>m|mins?|minutes?|h|hrs?|hours?|d|days?|w|weeks?)(?: before| earlier| ahead)?",
  remindAt: "remind(?: me)? at (?<time>{TIME})",
  endOfMonth: "(?:by |on |at )?(?:the )?end of (?:the |this )?month",
  units: { DAILY: "day|daily", WEEKLY: "week|fortnight|biweek", MONTHLY: "month", YEARLY: "year|annual" },
  durationUnits: { M: "m", H: "h", D: "d", W: "w" },
  ordinals: ORDINALS,
  numbers: NUMBERS,
  day: DAY,
  priorities: { urgent: "urgent", high: "high", medium: "medium", med: "medium", low: "low", none: "none" },
};

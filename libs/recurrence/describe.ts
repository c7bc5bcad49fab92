/**
 * A recurrence in words, for people: "every month on the 1st at 09:00". English; rules
 * the words do not cover (BYWEEKNO, BYYEARDAY, ...) end with their RRULE text.
 */
import { parseRule, type ByDay, type Rule } from "./rrule";
import type { Recurrence } from "./occurrences";
import { toWallClock } from "../time";

const DAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];
const UNIT = { DAILY: "day", WEEKLY: "week", MONTHLY: "month", YEARLY: "year" } as const;

export function ordinal(n: number): string {
  if (n === -1) return "last";
  if (n === -2) return "second-to-last";
  if (n < 0) return `${ordinal(-n)}-to-last`;
  const tens = n % 100;
  const suffix = tens >= 11 && tens <= 13 ? "th" : (["th", "st", "nd", "rd"][n % 10] ?? "th");
  return `${n}${suffix}`;
}

const list = (items: string[]) => (items.length < 2 ? items.join("") : `${items.slice(0, -1).join(", ")} and ${items[items.length - 1]}`);
const isWorkweek = (days: ByDay[]) => days.length === 5 && days.every((d) => d.n === undefined && d.weekday < 5);
const dayName = (d: ByDay) => (d.n === undefined ? DAY_NAMES[d.weekday]! : `${ordinal(d.n)} ${DAY_NAMES[d.weekday]}`);
const pad = (n: number) => String(n).padStart(2, "0");

function days(rule: Rule, start: Date): string {
  const { byday, bymonthday, bymonth, bysetpos } = rule;
  const monthDays = bymonthday?.map((d) => (d === -1 ? "the last day" : `the ${ordinal(d)}`));
  if (bysetpos && byday) {
    const set = isWorkweek(byday) ? "weekday" : list(byday.map(dayName));
    return ` on the ${list(bysetpos.map(ordinal))} ${set}${rule.freq === "YEARLY" ? " of the year" : ""}`;
  }
  if (bysetpos) return "";
  if (rule.freq === "YEARLY" && (rule.byweekno || rule.byyearday)) return byday ? ` on ${list(byday.map(dayName))}` : "";
  if (rule.freq === "YEARLY") {
    const months = (bymonth ?? [start.getUTCMonth() + 1]).map((m) => MONTH_NAMES[m - 1]!);
    if (byday) return ` on the ${list(byday.map(dayName))} in ${list(months)}`;
    const dates = bymonthday ?? [start.getUTCDate()];
    return ` on ${list(dates.map((d) => (d < 0 ? `the ${ordinal(d)} day of` : String(d))))} ${list(months)}`;
  }
  if (rule.freq === "MONTHLY") {
    if (byday) return ` on the ${list(byday.map(dayName))}`;
    return ` on ${list(monthDays ?? [`the ${ordinal(start.getUTCDate())}`])}`;
  }
  if (rule.freq === "WEEKLY" || rule.freq === "DAILY") {
    if (!byday) return rule.freq === "WEEKLY" ? ` on ${DAY_NAMES[(start.getUTCDay() + 6) % 7]}` : "";
    return ` on ${isWorkweek(byday) ? "weekdays" : list(byday.map(dayName))}`;
  }
  return "";
}

/** Parts the words above do not say. */
function unsaid(rule: Rule): string {
  const parts: string[] = [];
  if (rule.byweekno) parts.push(`BYWEEKNO=${rule.byweekno.join(",")}`);
  if (rule.byyearday) parts.push(`BYYEARDAY=${rule.byyearday.join(",")}`);
  if (rule.bysetpos && !rule.byday) parts.push(`BYSETPOS=${rule.bysetpos.join(",")}`);
  if ((rule.freq === "WEEKLY" || rule.freq === "DAILY" || rule.freq === "MONTHLY") && rule.bymonth) {
    parts.push(`in ${list(rule.bymonth.map((m) => MONTH_NAMES[m - 1]!))}`);
  }
  if (rule.freq !== "MONTHLY" && rule.freq !== "YEARLY" && rule.bymonthday) parts.push(`on day ${rule.bymonthday.join(", ")}`);
  if (rule.wkst !== undefined && rule.wkst !== 0) parts.push(`weeks start on ${DAY_NAMES[rule.wkst]}`);
  return parts.length ? ` (${parts.join("; ")})` : "";
}

/** The recurrence of a series starting at `dtstart`, in words. */
export function describeRecurrence(rec: Recurrence, dtstart: Date): string {
  const { rule } = parseRule(rec.rrule);
  if (!rule) return rec.rrule;
  const start = toWallClock(dtstart, rec.timezone);
  const every = rule.interval === 1 ? `every ${UNIT[rule.freq]}` : rule.interval === 2 ? `every other ${UNIT[rule.freq]}` : `every ${rule.interval} ${UNIT[rule.freq]}s`;
  let text = `${every}${days(rule, start)}${unsaid(rule)} at ${pad(start.getUTCHours())}:${pad(start.getUTCMinutes())}`;
  text = text.replace(/^every week on (weekdays|[A-Z]\w+day(?:(?:, | and )[A-Z]\w+day)*)( at)/, (_, d: string, at: string) => `every ${d === "weekdays" ? "weekday" : d}${at}`);
  text = text.replace(/^every day on (weekdays|[A-Z][\w, ]+?)( at)/, (_, d: string, at: string) => `every ${d === "weekdays" ? "weekday" : d}${at}`);
  if (rec.from === "completion") text += ", counted from each completion";
  if (rule.count !== undefined) text += `, ${rule.count} ${rule.count === 1 ? "time" : "times"}`;
  if (rule.until) {
    const until = rule.until.kind === "date" ? rule.until.day : toWallClock(rule.until.at, rec.timezone);
    text += `, until ${until.getUTCDate()} ${MONTH_NAMES[until.getUTCMonth()]} ${until.getUTCFullYear()}`;
  }
  if (rec.exdates.length) text += `, except ${rec.exdates.length} skipped`;
  return text;
}



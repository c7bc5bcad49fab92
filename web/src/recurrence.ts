/**
 * The recurrence picker's model: daily / weekly on days / monthly / custom RRULE, to and
 * from the API's `recurrence.rrule`, and the next occurrences, computed by the server's
 * own recurrence code (parser, wall-clock series in the zone, from-completion rules).
 */
import { occurrencesFrom } from "../../libs/recurrence/occurrences";
import { formatRule, parseRule, Rule, WEEKDAYS } from "../../libs/recurrence/rrule";
import { toWallClock } from "../../libs/time";

export type RepeatMode = "none" | "daily" | "weekly" | "monthly" | "custom";
export type Weekday = (typeof WEEKDAYS)[number];
export { WEEKDAYS };

export interface RepeatState {
  mode: RepeatMode;
  interval: number;
  /** Weekly: the days; none picked means the due date's weekday. */
  weekdays: Weekday[];
  /** Monthly: on the due date's day of the month, or on the last day. */
  monthDay: "due" | "last";
  end: "never" | "count" | "until";
  count: number;
  /** "2030-12-31": the last day occurrences may fall on, in the task's zone. */
  untilDay: string;
  /** Custom: the RRULE value as typed. */
  custom: string;
  fromCompletion: boolean;
}

export const noRepeat = (): RepeatState => ({
  mode: "none",
  interval: 1,
  weekdays: [],
  monthDay: "due",
  end: "never",
  count: 10,
  untilDay: "",
  custom: "",
  fromCompletion: false,
});

const FREQ = { daily: "DAILY", weekly: "WEEKLY", monthly: "MONTHLY" } as const;

/** The RRULE the picker describes (canonical text), nothing for "none", or what is wrong with it. */
export function ruleFor(state: RepeatState): { rrule?: string; error?: string } {
  if (state.mode === "none") return {};
  if (state.mode === "custom") {
    const parsed = parseRule(state.custom.trim().replace(/^RRULE:/i, ""));
    return parsed.rule ? { rrule: formatRule(parsed.rule) } : { error: parsed.errors.join("; ") };
  }
  const rule: Rule = { freq: FREQ[state.mode], interval: Math.max(1, Math.trunc(state.interval) || 1) };
  if (state.mode === "weekly" && state.weekdays.length) {
    rule.byday = WEEKDAYS.filter((d) => state.weekdays.includes(d)).map((d) => ({ weekday: WEEKDAYS.indexOf(d) }));
  }
  if (state.mode === "monthly" && state.monthDay === "last") rule.bymonthday = [-1];
  if (state.end === "count") rule.count = Math.max(1, Math.trunc(state.count) || 1);
  if (state.end === "until") {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(state.untilDay)) return { error: "Pick the last day the task repeats on" };
    rule.until = { kind: "date", day: new Date(`${state.untilDay}T00:00:00Z`) };
  }
  // The text goes through the parser too, so the picker can never send what the server refuses.
  const text = formatRule(rule);
  const parsed = parseRule(text);
  return parsed.rule ? { rrule: text } : { error: parsed.errors.join("; ") };
}

/** The picker showing a stored rule: a simple one in its own mode, anything else as custom text. */
export function stateFor(rrule: string | null | undefined, from: "due" | "completion" = "due"): RepeatState {
  const state = { ...noRepeat(), fromCompletion: from === "completion" };
  if (!rrule) return state;
  const custom = { ...state, mode: "custom" as const, custom: rrule };
  const { rule } = parseRule(rrule);
  if (!rule || rule.bymonth || rule.byyearday || rule.byweekno || rule.bysetpos || rule.wkst !== undefined || rule.freq === "YEARLY") return custom;
  if (rule.until?.kind === "instant") return custom;
  const ends = rule.count !== undefined
    ? { end: "count" as const, count: rule.count }
    : rule.until
      ? { end: "until" as const, untilDay: rule.until.day.toISOString().slice(0, 10) }
      : {};
  const simple = { ...state, ...ends, interval: rule.interval };
  if (rule.freq === "DAILY" && !rule.byday && !rule.bymonthday) return { ...simple, mode: "daily" };
  if (rule.freq === "WEEKLY" && !rule.bymonthday && (rule.byday ?? []).every((d) => d.n === undefined)) {
    return { ...simple, mode: "weekly", weekdays: (rule.byday ?? []).map((d) => WEEKDAYS[d.weekday]!) };
  }
  if (rule.freq === "MONTHLY" && !rule.byday && (!rule.bymonthday || (rule.bymonthday.length === 1 && rule.bymonthday[0] === -1))) {
    return { ...simple, mode: "monthly", monthDay: rule.bymonthday ? "last" : "due" };
  }
  return custom;
}

/** The first `limit` occurrences of a series starting at `due`, in `zone`: what the server will schedule. */
export function preview(rrule: string, zone: string, due: Date, fromCompletion: boolean, limit = 5): Date[] {
  return occurrencesFrom({ rrule, timezone: zone, from: fromCompletion ? "completion" : "due", exdates: [] }, due, due, limit);
}

/** The weekday (MO…SU) a due date falls on in `zone`: weekly's default day. */
export function weekdayOf(due: Date, zone: string): Weekday {
  return WEEKDAYS[(toWallClock(due, zone).getUTCDay() + 6) % 7]!;
}

/** "Mon", "Tue"… in the reader's language. */
export function weekdayName(day: Weekday, locale?: string, width: "short" | "long" = "short"): string {
  // 2024-01-01 was a Monday.
  const date = new Date(Date.UTC(2024, 0, 1 + WEEKDAYS.indexOf(day), 12));
  return new Intl.DateTimeFormat(locale, { weekday: width, timeZone: "UTC" }).format(date);
}

/** A short summary for lists: "Daily", "Every 2 weeks on Mon, Thu", "Monthly on the last day", "Custom: FREQ=…". */
export function summary(rrule: string, from: "due" | "completion" = "due", locale?: string): string {
  const s = stateFor(rrule, from);
  const every = (one: string, many: string) => (s.interval === 1 ? one : `Every ${s.interval} ${many}`);
  let text: string;
  switch (s.mode) {
    case "daily":
      text = every("Daily", "days");
      break;
    case "weekly":
      text = every("Weekly", "weeks") + (s.weekdays.length ? ` on ${s.weekdays.map((d) => weekdayName(d, locale)).join(", ")}` : "");
      break;
    case "monthly":
      text = every("Monthly", "months") + (s.monthDay === "last" ? " on the last day" : "");
      break;
    default:
      text = `Custom: ${rrule}`;
  }
  if (s.mode !== "custom" && s.end === "count") text += `, ${s.count} times`;
  if (s.mode !== "custom" && s.end === "until") text += `, until ${s.untilDay}`;
  return s.fromCompletion ? `${text}, after completion` : text;
}

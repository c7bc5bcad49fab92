import { parseRule } from "./rrule";
import { firstRuleDate } from "./series";

/**
 * The first date an RRULE gives at or after `from`, in `timezone`, with `start` as its
 * DTSTART (INTERVAL's phase, the day parts the rule leaves to DTSTART, the time of day).
 * A new series starts there, so its DTSTART is one of the rule's own dates: "every
 * weekday" typed on a Saturday starts on Monday. Null for an invalid rule or none within
 * HORIZON_YEARS.
 */
export function firstDate(rrule: string, timezone: string, start: Date, from: Date): Date | null {
  const { rule } = parseRule(rrule);
  return rule ? firstRuleDate(rule, timezone, start, from) : null;
}

import type { MessageContent } from "./cloud-api-client";
import { toWallClock } from "../../../libs/time";

/** What a reminder message names: the task title and its due time in the user's zone. */
export interface ReminderMessageInput {
  title: string;
  /** The task's due instant; null for a reminder on a task without one. */
  dueAt: Date | string | null;
  /** The recipient's IANA time zone. */
  timeZone: string;
}

const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const pad = (n: number) => String(n).padStart(2, "0");

/**
 * "Tue 1 Dec 2026, 09:00 (Europe/Berlin)": the wall time in `timeZone`, 24 h, one fixed
 * English format whatever the user's locale (no ICU-dependent punctuation), naming the zone
 * so the reader knows which clock it is.
 */
export function formatDueTime(dueAt: Date | string, timeZone: string): string {
  const instant = new Date(dueAt);
  if (Number.isNaN(instant.getTime())) throw new RangeError(`not an instant: ${String(dueAt)}`);
  const w = toWallClock(instant, timeZone);
  return `${WEEKDAYS[w.getUTCDay()]} ${w.getUTCDate()} ${MONTHS[w.getUTCMonth()]} ${w.getUTCFullYear()}, ${pad(w.getUTCHours())}:${pad(w.getUTCMinutes())} (${timeZone})`;
}

/** Template parameters may not hold newlines, tabs or runs of spaces (Meta error 132018). */
function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

export const REPLY_HINT = 'Reply "done" to complete it, or "snooze 10" to be reminded again in 10 minutes.';

/** "Reminder: Pay rent — due Tue 1 Dec 2026, 09:00 (Europe/Berlin)". */
export function reminderLine({ title, dueAt, timeZone }: ReminderMessageInput): string {
  const due = dueAt === null ? "" : ` — due ${formatDueTime(dueAt, timeZone)}`;
  return `Reminder: ${oneLine(title)}${due}`;
}

/** The template's body parameters, in order: {{1}} the task title, {{2}} its due time. */
export function reminderTemplateParameters({ title, dueAt, timeZone }: ReminderMessageInput): [string, string] {
  return [oneLine(title), dueAt === null ? "no due date" : formatDueTime(dueAt, timeZone)];
}

/**
 * The message for a reminder: the configured template (required to open a conversation
 * outside the 24 h customer-service window) when there is one, free text otherwise.
 */
export function reminderMessage(
  reminder: ReminderMessageInput,
  template?: { name: string; language: string },
): MessageContent {
  if (template) {
    return { type: "template", ...template, parameters: reminderTemplateParameters(reminder) };
  }
  return { type: "text", body: `${reminderLine(reminder)}\n${REPLY_HINT}` };
}

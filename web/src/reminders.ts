/**
 * A reminder as the editor shows it ("15 minutes before", "at 14 Jan 09:30", or an ISO
 * duration as typed) and as the API takes it (`offset` or `at`), with the instant it will
 * fire, computed the way the scheduler does.
 */
import { applyOffset, formatOffset, readOffset } from "../../libs/time";
import { fromLocalInput, toLocalInput } from "./time";
import type { Channel, Reminder, ReminderInput } from "./types";

export const UNITS = { minutes: "minutes", hours: "hours", days: "days", weeks: "weeks" } as const;
export type Unit = keyof typeof UNITS;

export interface ReminderRow {
  /** Kept so the server keeps the reminder (and what it already sent) when the list is replaced. */
  id?: string;
  kind: "before" | "at" | "offset";
  amount: number;
  unit: Unit;
  /** `datetime-local` value, in the user's zone. */
  at: string;
  /** ISO 8601 duration as typed, for offsets the simple form cannot show ("-P1DT2H", "PT30M" after). */
  offset: string;
  channels: Channel[];
}

export const newReminder = (): ReminderRow => ({ kind: "before", amount: 15, unit: "minutes", at: "", offset: "-PT15M", channels: ["sse"] });

/** The API's reminder, shown in the simplest form that says the same. */
export function rowFor(reminder: Reminder, zone: string): ReminderRow {
  const base = { ...newReminder(), id: reminder.id, channels: [...reminder.channels] };
  if (reminder.at) return { ...base, kind: "at", at: toLocalInput(reminder.at, zone) };
  const text = reminder.offset ?? "PT0S";
  const o = readOffset(text);
  if ("error" in o) return { ...base, kind: "offset", offset: text };
  const parts = (["weeks", "days", "hours", "minutes"] as const).filter((u) => o[u] > 0);
  const simple = (o.sign < 0 || parts.length === 0) && parts.length <= 1 && !o.years && !o.months && !o.seconds;
  if (!simple) return { ...base, kind: "offset", offset: text };
  const unit = parts[0] ?? "minutes";
  return { ...base, kind: "before", unit, amount: o[unit] };
}

/** The API's input for a row, or what is wrong with it. */
export function inputFor(row: ReminderRow, zone: string): ReminderInput | { error: string } {
  const channels = row.channels.length ? row.channels : (["sse"] as Channel[]);
  const keep = row.id ? { id: row.id } : {};
  if (row.kind === "at") {
    const at = fromLocalInput(row.at, zone);
    return at ? { ...keep, at: at.toISOString(), channels } : { error: "Pick the date and time of the reminder" };
  }
  const offset = row.kind === "before" ? beforeOffset(row.amount, row.unit) : row.offset.trim();
  const read = readOffset(offset);
  if ("error" in read) return { error: `Offset ${offset} ${read.error}` };
  return { ...keep, offset: formatOffset(read), channels };
}

function beforeOffset(amount: number, unit: Unit): string {
  const n = Math.max(0, Math.trunc(amount) || 0);
  if (n === 0) return "PT0S";
  const part = { minutes: `T${n}M`, hours: `T${n}H`, days: `${n}D`, weeks: `${n}W` }[unit];
  return `-P${part}`;
}

/** When the reminder fires for a task due at `due`: null when it depends on a due date the task does not have. */
export function fireTime(input: ReminderInput, due: Date | null, zone: string): Date | null {
  if (input.at) return new Date(input.at);
  if (!due || !input.offset) return null;
  const read = readOffset(input.offset);
  return "error" in read ? null : applyOffset(due, read, zone);
}

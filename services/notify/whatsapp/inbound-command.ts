/** What a WhatsApp reply asks for: `done`, `snooze [N]`, or something we do not understand. */
export type InboundCommand =
  | { kind: "done" }
  | { kind: "snooze"; minutes: number }
  | { kind: "unknown"; reply: string };

/** "snooze" alone: the usual "remind me again in a bit". */
export const DEFAULT_SNOOZE_MINUTES = 10;
/** A day: longer is rescheduling, which the app does better. */
export const MAX_SNOOZE_MINUTES = 1440;

export const HELP_REPLY =
  `Reply "done" to complete the task of your latest reminder, or "snooze N" to be reminded again in N minutes ` +
  `(1 to ${MAX_SNOOZE_MINUTES}; "snooze" alone: ${DEFAULT_SNOOZE_MINUTES}).`;
export const SNOOZE_RANGE_REPLY = `Snooze takes 1 to ${MAX_SNOOZE_MINUTES} minutes, e.g. "snooze 30".`;

const SNOOZE = /^snooze(?: ?(\d{1,9}))?(?: ?(?:m|min|mins|minute|minutes))?$/;

/**
 * Case and spacing do not matter ("  DONE ", "Snooze   30"), nor a trailing "." or "!";
 * "snooze 30m" and "snooze 30 min" read as 30 minutes.
 */
export function parseCommand(text: string): InboundCommand {
  const words = text
    .normalize("NFKC")
    .toLowerCase()
    .replace(/\s+/g, " ")
    .trim()
    .replace(/[.!]+$/, "")
    .trim();
  if (words === "done") return { kind: "done" };
  const snooze = SNOOZE.exec(words);
  if (!snooze) return { kind: "unknown", reply: HELP_REPLY };
  if (snooze[1] === undefined) {
    return words === "snooze" ? { kind: "snooze", minutes: DEFAULT_SNOOZE_MINUTES } : { kind: "unknown", reply: HELP_REPLY };
  }
  const minutes = Number(snooze[1]);
  if (minutes < 1 || minutes > MAX_SNOOZE_MINUTES) return { kind: "unknown", reply: SNOOZE_RANGE_REPLY };
  return { kind: "snooze", minutes };
}

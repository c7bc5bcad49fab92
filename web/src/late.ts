import type { Notification } from "./types";

/** "40 s", "3 min", "2 h": how far behind its time a reminder arrived. */
export function formatDelay(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 90) return `${s} s`;
  if (s < 90 * 60) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 3600)} h`;
}

/**
 * What the "Late" badge says when hovered, or undefined for a reminder that came on time. The
 * server sets `late` (delivered more than a few seconds after `fireAt`); the delay shown is
 * from its time to when it was recorded.
 */
export function lateExplanation(n: Pick<Notification, "late" | "fireAt" | "createdAt">): string | undefined {
  if (!n.late) return undefined;
  const delay = n.fireAt ? ` ${formatDelay(Date.parse(n.createdAt) - Date.parse(n.fireAt))}` : "";
  return `Arrived${delay} after its time: Todogenie was down or catching up when it fell due`;
}

import type { Clock } from "../../libs/clock";
import { WakeableLoop } from "../../libs/loop";
import type { ReminderScheduler } from "./reminder-scheduler";

/** Longest sleep: covers reminders other replicas scheduled, which this one was not told about. */
const MAX_SLEEP_MS = 5_000;
const BATCH = 500;

/**
 * Sleeps until the next pending reminder is due, not on a fixed poll, so the lag stays far
 * under a second; poke() re-plans when a task event schedules something earlier.
 */
export function fireLoop(scheduler: ReminderScheduler, clock: Clock, onFired: () => void, onError: (err: unknown) => void): WakeableLoop {
  return new WakeableLoop(
    async () => {
      const fired = await scheduler.fireDue(BATCH);
      if (fired > 0) onFired();
      if (fired === BATCH) return { again: true };
      const next = await scheduler.nextFireAt();
      return { sleepMs: next ? next.getTime() - clock.now().getTime() : MAX_SLEEP_MS };
    },
    onError,
    MAX_SLEEP_MS,
  );
}

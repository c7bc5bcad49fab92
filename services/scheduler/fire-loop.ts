import type { Clock } from "../../libs/clock";
import type { ReminderScheduler } from "./reminder-scheduler";

export interface FireLoopOptions {
  batch?: number;
  /** Longest sleep: covers reminders other replicas scheduled, which this one was not told about. */
  maxSleepMs?: number;
}

/**
 * Sleeps until the next pending reminder is due, not on a fixed poll, so the lag stays far
 * under a second; `poke` re-plans when a task event schedules something earlier.
 */
export class FireLoop {
  private running = false;
  private wake?: () => void;
  private loop?: Promise<void>;
  private readonly batch: number;
  private readonly maxSleepMs: number;

  constructor(
    private readonly scheduler: ReminderScheduler,
    private readonly clock: Clock,
    private readonly onFired: (count: number) => void,
    private readonly onError: (err: unknown) => void,
    options: FireLoopOptions = {},
  ) {
    this.batch = options.batch ?? 500;
    this.maxSleepMs = options.maxSleepMs ?? 5_000;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
  }

  /** Something was scheduled at `at`: wake early if that is sooner than the current plan. */
  poke(): void {
    this.wake?.();
  }

  private async run(): Promise<void> {
    while (this.running) {
      let sleepMs = this.maxSleepMs;
      try {
        const fired = await this.scheduler.fireDue(this.batch);
        if (fired > 0) this.onFired(fired);
        if (fired === this.batch) continue;
        const next = await this.scheduler.nextFireAt();
        if (next) sleepMs = Math.min(sleepMs, Math.max(0, next.getTime() - this.clock.now().getTime()));
      } catch (err) {
        this.onError(err);
        sleepMs = 1_000;
      }
      if (!this.running) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, sleepMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
  }
}

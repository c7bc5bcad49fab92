/** What one turn of a background loop asks for next. */
export interface Turn {
  /** Run again at once (a full batch: more may be waiting). */
  again?: boolean;
  /** Otherwise sleep this long, unless poked. */
  sleepMs?: number;
}

/**
 * A background worker that runs a step, then sleeps until its next deadline or until it
 * is poked (new work was just committed). Steps never overlap; stop() waits for the last.
 * A poke that comes while a step runs is remembered: the work it announces may have been
 * committed after the step looked, so the next step starts at once instead of after a sleep.
 */
export class WakeableLoop {
  private running = false;
  private wake?: () => void;
  private poked = false;
  private loop?: Promise<void>;

  constructor(
    private readonly step: () => Promise<Turn>,
    private readonly onError: (err: unknown) => void,
    private readonly idleMs: number,
  ) {}

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

  poke(): void {
    this.poked = true;
    this.wake?.();
  }

  private async run(): Promise<void> {
    while (this.running) {
      let sleepMs = this.idleMs;
      this.poked = false;
      try {
        const turn = await this.step();
        if (turn.again) continue;
        if (turn.sleepMs !== undefined) sleepMs = Math.max(0, Math.min(sleepMs, turn.sleepMs));
      } catch (err) {
        this.onError(err);
      }
      if (!this.running) break;
      if (this.poked) continue;
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

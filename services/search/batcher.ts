import type { ApplyOptions, IndexChange } from "./engine";

export interface BatcherOptions {
  /** Changes written in one statement (or one Meilisearch task) at most. */
  maxBatch?: number;
  /** How long the first change of a batch waits for company. */
  lingerMs?: number;
}

interface Pending {
  change: IndexChange;
  done: (err?: unknown) => void;
}

/**
 * Turns many concurrent single changes (one per channel message, up to the consumer's
 * in-flight limit) into few batched writes. `submit` resolves once its batch is written,
 * so a message is acknowledged only after its change is stored. A failed batch is retried
 * change by change; what still fails is rejected and the channel redelivers it. Batches run
 * one at a time.
 */
export class ChangeBatcher {
  private queue: Pending[] = [];
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private readonly maxBatch: number;
  private readonly lingerMs: number;

  constructor(
    private readonly write: (changes: IndexChange[], options?: ApplyOptions) => Promise<void>,
    options: BatcherOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 200;
    this.lingerMs = options.lingerMs ?? 5;
  }

  submit(change: IndexChange): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ change, done: (err) => (err ? reject(err) : resolve()) });
      if (this.queue.length >= this.maxBatch) this.kick(0);
      else this.kick(this.lingerMs);
    });
  }

  /** Resolves once everything submitted so far is written (or failed). */
  async drain(): Promise<void> {
    while (this.queue.length || this.running) {
      this.kick(0);
      await this.running;
    }
  }

  private kick(delayMs: number): void {
    if (this.running) return;
    if (this.timer && delayMs > 0) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.flush().finally(() => {
        this.running = undefined;
        if (this.queue.length) this.kick(0);
      });
    }, delayMs);
  }

  private async flush(): Promise<void> {
    const batch = this.queue.splice(0, this.maxBatch);
    if (batch.length === 0) return;
    try {
      await this.write(batch.map((p) => p.change));
      for (const p of batch) p.done();
    } catch (err) {
      if (batch.length === 1) return batch[0]!.done(err);
      // One bad change must not take its neighbours down with it (they would be redelivered
      // together until the channel drops them all): retry each alone.
      for (const p of batch) {
        try {
          await this.write([p.change]);
          p.done();
        } catch (single) {
          p.done(single);
        }
      }
    }
  }
}

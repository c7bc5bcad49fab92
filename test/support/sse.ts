import { EventSource } from "eventsource";

export interface Received {
  id: string;
  data: any;
}

/** A real EventSource client that records what it receives, with a way to wait for it. */
export class StreamClient {
  readonly received: Received[] = [];
  /** `event: invitation` frames, kept apart so reminder counts stay what tests expect. */
  readonly invitations: Received[] = [];
  private readonly source: EventSource;
  private waiters: (() => void)[] = [];
  readonly opened: Promise<void>;

  constructor(url: string, options: { token?: string; lastEventId?: string } = {}) {
    this.source = new EventSource(url, {
      fetch: (input, init) =>
        fetch(input, {
          ...init,
          headers: {
            ...(init?.headers as Record<string, string>),
            ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
            ...(options.lastEventId ? { "last-event-id": options.lastEventId } : {}),
          },
        }),
    });
    this.opened = new Promise((resolve, reject) => {
      this.source.onopen = () => resolve();
      this.source.onerror = (err) => reject(new Error(`stream failed: ${(err as { message?: string }).message ?? "error"}`));
    });
    this.source.addEventListener("reminder", (e) => {
      this.received.push({ id: e.lastEventId, data: JSON.parse(e.data) });
      this.waiters.forEach((w) => w());
    });
    this.source.addEventListener("invitation", (e) => {
      this.invitations.push({ id: e.lastEventId, data: JSON.parse(e.data) });
    });
  }

  /** Resolves once `count` events arrived, or fails after `ms` (the events are seconds ahead, by design). */
  async waitFor(count: number, ms = 15_000): Promise<Received[]> {
    const deadline = Date.now() + ms;
    while (this.received.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`expected ${count} events, got ${this.received.length}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      this.waiters = [];
    }
    return this.received;
  }

  close(): void {
    this.source.close();
  }
}

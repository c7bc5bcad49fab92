import type { Api } from "./api";
import type { Notification } from "./types";

export type StreamState = "connecting" | "live" | "offline";

const STREAM = "/api/v1/notifications/stream";
const MAX_DELAY_MS = 15_000;
const REMEMBERED = 500;

/**
 * The notification stream: an EventSource opened with a single-use ticket.
 *
 * EventSource would reconnect by itself and send Last-Event-ID, but with the spent ticket,
 * so it is closed on any error and opened again with a fresh ticket and the last id seen
 * as `?lastEventId=`; the server replays what came in between. Retries back off up to 15 s,
 * and start over at once when the browser says it is online again or the tab is shown.
 * When the browser says it went offline the stream is closed at once: a connection on a
 * dead network can hang without an error for minutes (EventSource never sees the
 * server's `: ping` comments to notice), and reopening it later replays the gap anyway.
 */
export class NotificationStream {
  private source: EventSource | undefined;
  private lastId: string | undefined;
  private readonly seen = new Set<string>();
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running = false;
  private generation = 0;

  constructor(
    private readonly api: Api,
    private readonly onReminder: (n: Notification) => void,
    private readonly onState: (state: StreamState) => void,
  ) {}

  /** `after`: the newest notification already shown, so only later ones arrive. */
  start(after?: string): void {
    if (this.running) return;
    this.running = true;
    this.lastId = after;
    window.addEventListener("online", this.reconnectNow);
    window.addEventListener("offline", this.wentOffline);
    document.addEventListener("visibilitychange", this.onVisible);
    void this.connect();
  }

  stop(): void {
    this.running = false;
    this.generation++;
    clearTimeout(this.timer);
    this.source?.close();
    this.source = undefined;
    window.removeEventListener("online", this.reconnectNow);
    window.removeEventListener("offline", this.wentOffline);
    document.removeEventListener("visibilitychange", this.onVisible);
  }

  private readonly reconnectNow = () => {
    if (!this.running || this.source?.readyState === EventSource.OPEN) return;
    this.attempt = 0;
    void this.connect();
  };

  private readonly wentOffline = () => {
    if (!this.running) return;
    this.generation++;
    this.source?.close();
    this.source = undefined;
    this.retryLater();
  };

  private readonly onVisible = () => {
    if (document.visibilityState === "visible") this.reconnectNow();
  };

  private async connect(): Promise<void> {
    const generation = ++this.generation;
    clearTimeout(this.timer);
    this.source?.close();
    this.source = undefined;
    this.onState("connecting");
    let ticket: string;
    try {
      ticket = (await this.api.ticket()).ticket;
    } catch {
      if (generation === this.generation) this.retryLater();
      return;
    }
    if (generation !== this.generation || !this.running) return;
    const url = new URL(STREAM, location.origin);
    url.searchParams.set("ticket", ticket);
    if (this.lastId) url.searchParams.set("lastEventId", this.lastId);
    const source = new EventSource(url);
    this.source = source;
    source.onopen = () => {
      this.attempt = 0;
      this.onState("live");
    };
    source.addEventListener("reminder", (e) => this.receive(e as MessageEvent<string>));
    source.onerror = () => {
      source.close();
      if (this.source !== source) return;
      this.source = undefined;
      this.retryLater();
    };
  }

  private receive(e: MessageEvent<string>): void {
    const id = e.lastEventId;
    if (id) this.lastId = id;
    // A replay after a reconnect may repeat what a previous stream already delivered.
    if (id && this.seen.has(id)) return;
    if (id) {
      this.seen.add(id);
      if (this.seen.size > REMEMBERED) this.seen.delete(this.seen.values().next().value!);
    }
    try {
      this.onReminder(JSON.parse(e.data) as Notification);
    } catch (err) {
      console.error("unreadable notification", err);
    }
  }

  private retryLater(): void {
    if (!this.running) return;
    clearTimeout(this.timer);
    this.onState("offline");
    const delay = Math.min(MAX_DELAY_MS, 1000 * 2 ** this.attempt++) * (0.8 + Math.random() * 0.4);
    this.timer = setTimeout(() => void this.connect(), delay);
  }
}

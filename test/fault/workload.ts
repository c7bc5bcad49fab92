import { EventSource } from "eventsource";

/** How long the suite waits for one request before calling it unanswered: far past the 3 s bound it asserts. */
const REQUEST_TIMEOUT_MS = 15_000;

export interface Answer {
  /** "GET /tasks?limit=5" */
  what: string;
  status: number;
  body: any;
  /** When it was sent, and how long the answer took (a refused connection answers at once, status 0). */
  startedAt: number;
  ms: number;
}

/** One HTTP request that never throws: the suite records whatever came back, and how fast. */
export async function request(baseUrl: string, method: string, path: string, token: string, body?: unknown): Promise<Answer> {
  const startedAt = Date.now();
  const what = `${method} ${path.split("?")[0]}`;
  try {
    const res = await fetch(`${baseUrl}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await res.text();
    return { what, status: res.status, body: text && res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text, startedAt, ms: Date.now() - startedAt };
  } catch (err) {
    const timedOut = (err as Error).name === "TimeoutError";
    return { what, status: timedOut ? -1 : 0, body: String(err), startedAt, ms: Date.now() - startedAt };
  }
}

export interface User {
  email: string;
  accessToken: string;
}

/**
 * An SSE client as a browser tab is one: whenever its stream ends or fails it reconnects after
 * a moment with Last-Event-ID, the last id it saw. It counts every id it receives, replays
 * included, so a duplicate is seen as one.
 */
export class ReconnectingStream {
  /** Notification id → how many times it arrived. */
  readonly seen = new Map<string, number>();
  /** Reminder id → the notification ids it arrived as (more than one is a duplicate). */
  readonly byReminder = new Map<string, Set<string>>();
  /** Reminder id → when it first arrived here. */
  readonly arrivedAt = new Map<string, number>();
  reconnects = 0;
  private lastId: string | undefined;
  private source: EventSource | undefined;
  private closed = false;

  constructor(
    private readonly url: string,
    private readonly token: string,
  ) {
    this.connect();
  }

  private connect(): void {
    const lastId = this.lastId;
    const source = new EventSource(this.url, {
      fetch: (input, init) =>
        fetch(input, {
          ...init,
          headers: { ...(init?.headers as Record<string, string>), authorization: `Bearer ${this.token}`, ...(lastId ? { "last-event-id": lastId } : {}) },
        }),
    });
    this.source = source;
    source.addEventListener("reminder", (e) => {
      const data = JSON.parse(e.data) as { id: string; reminderId: string };
      this.seen.set(e.lastEventId, (this.seen.get(e.lastEventId) ?? 0) + 1);
      const ids = this.byReminder.get(data.reminderId) ?? new Set();
      ids.add(data.id);
      this.byReminder.set(data.reminderId, ids);
      if (!this.arrivedAt.has(data.reminderId)) this.arrivedAt.set(data.reminderId, Date.now());
      this.lastId = e.lastEventId;
    });
    // Our own reconnects, not the library's: it gives up for good on a 503, a browser tab's app would not.
    source.onerror = () => {
      source.close();
      if (this.closed) return;
      this.reconnects++;
      setTimeout(() => !this.closed && this.connect(), 250);
    };
  }

  close(): void {
    this.closed = true;
    this.source?.close();
  }
}

/** A reminder the suite created, with the answer that said so. */
export interface Planned {
  user: number;
  taskId: string;
  reminderId: string;
  fireAt: number;
}

export interface Delivered {
  id: string;
  reminderId: string;
  fireAt: number;
  createdAt: number;
  late: boolean;
}

/** Every reminder notification in the user's inbox, all pages. */
export async function inbox(baseUrl: string, token: string): Promise<Delivered[] | undefined> {
  const all: Delivered[] = [];
  let cursor: string | undefined;
  do {
    const res = await request(baseUrl, "GET", `/notifications?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, token);
    if (res.status !== 200) return undefined;
    for (const n of res.body.items) {
      if (n.kind === "reminder") all.push({ id: n.id, reminderId: n.reminderId, fireAt: Date.parse(n.fireAt), createdAt: Date.parse(n.createdAt), late: n.late });
    }
    cursor = res.body.nextCursor ?? undefined;
  } while (cursor);
  return all;
}

/** Every task the user owns with its first reminder's instant, all pages: what the stack holds, whatever the answers said. */
export async function remindersHeld(baseUrl: string, user: number, token: string): Promise<Planned[]> {
  const all: Planned[] = [];
  let cursor: string | undefined;
  do {
    const res = await request(baseUrl, "GET", `/tasks?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, token);
    if (res.status !== 200) throw new Error(`listing tasks: ${res.status} ${JSON.stringify(res.body)}`);
    for (const t of res.body.items) {
      for (const r of t.reminders) all.push({ user, taskId: t.id, reminderId: r.id, fireAt: Date.parse(r.at) });
    }
    cursor = res.body.nextCursor ?? undefined;
  } while (cursor);
  return all;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

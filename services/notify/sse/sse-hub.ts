import type { ServerResponse } from "node:http";
import type { NotificationDto } from "../../../libs/contracts";
import { PROBLEM_CONTENT_TYPE } from "../../../libs/errors/problem";

export const PING_INTERVAL_MS = 15_000;
/** A client that lets this much pile up unread is too slow: drop it rather than hold memory or delay others. */
export const MAX_BUFFERED_BYTES = 256 * 1024;
/** Told to clients on shutdown: reconnect after this long (to another replica). */
export const RETRY_HINT_MS = 2_000;
/** Default cap on one user's open streams in one process. */
export const STREAMS_PER_USER = 20;
/** Told to a user over the stream cap: streams are long-lived, so a slot frees slowly. */
export const STREAM_CAP_RETRY_AFTER_S = 60;

/** The event name is the notification's kind, so a client listening for reminders only is not handed invitations. */
export function frame(notification: NotificationDto): string {
  return `id: ${notification.id}\nevent: ${notification.kind}\ndata: ${JSON.stringify(notification)}\n\n`;
}

function tooManyStreams(res: ServerResponse, max: number): void {
  res.writeHead(429, { "content-type": PROBLEM_CONTENT_TYPE, "retry-after": String(STREAM_CAP_RETRY_AFTER_S) });
  res.end(
    JSON.stringify({
      type: "https://todogenie.dev/problems/rate-limited",
      title: "Too many requests",
      status: 429,
      detail: `at most ${max} open event streams per user; close one first`,
      errors: [],
    }),
  );
}

interface Connection {
  res: ServerResponse;
  /** Notifications that arrived live while the replay was still being read. */
  pending: NotificationDto[] | null;
  sent: Set<string>;
}

/**
 * The SSE connections this process holds, by user. Writes never wait on a socket: each
 * write goes to the socket's buffer, and a connection whose buffer outgrows the bound is
 * closed, so one stalled client cannot slow the fan-out to the others.
 */
export class SseHub {
  private readonly byUser = new Map<string, Set<Connection>>();
  private readonly pinger: NodeJS.Timeout;
  private closing = false;

  constructor(
    pingIntervalMs = PING_INTERVAL_MS,
    /** Per process: behind N notify replicas a user may hold up to N × this many. */
    private readonly maxPerUser = STREAMS_PER_USER,
  ) {
    this.pinger = setInterval(() => this.ping(), pingIntervalMs);
    this.pinger.unref();
  }

  get size(): number {
    let n = 0;
    for (const set of this.byUser.values()) n += set.size;
    return n;
  }

  /**
   * Opens a stream: live notifications are held back while `replay` reads what the client
   * missed, then both go out in order without duplicates. Returns the ids written.
   */
  async open(userId: string, res: ServerResponse, replay: () => Promise<NotificationDto[]>): Promise<string[]> {
    if (this.closing) {
      res.writeHead(503, { "retry-after": "2" }).end();
      return [];
    }
    if ((this.byUser.get(userId)?.size ?? 0) >= this.maxPerUser) {
      tooManyStreams(res, this.maxPerUser);
      return [];
    }
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    res.write(`retry: ${RETRY_HINT_MS}\n: connected\n\n`);
    const conn: Connection = { res, pending: [], sent: new Set() };
    let set = this.byUser.get(userId);
    if (!set) this.byUser.set(userId, (set = new Set()));
    set.add(conn);
    res.on("close", () => this.detach(userId, conn));

    const written: string[] = [];
    try {
      for (const n of await replay()) if (this.write(userId, conn, n)) written.push(n.id);
    } finally {
      const held = conn.pending ?? [];
      conn.pending = null;
      for (const n of held) if (this.write(userId, conn, n)) written.push(n.id);
    }
    return written;
  }

  /** Writes to every stream of the user on this process; returns how many streams took it. */
  publish(userId: string, notification: NotificationDto): number {
    let delivered = 0;
    for (const conn of this.byUser.get(userId) ?? []) {
      if (conn.pending) {
        conn.pending.push(notification);
        delivered++;
      } else if (this.write(userId, conn, notification)) delivered++;
    }
    return delivered;
  }

  /** Ends every stream with a retry hint, so clients reconnect elsewhere. */
  closeAll(): void {
    this.closing = true;
    clearInterval(this.pinger);
    for (const [userId, set] of this.byUser) {
      for (const conn of set) {
        conn.res.end(`retry: ${RETRY_HINT_MS}\n\n`);
        this.detach(userId, conn);
      }
    }
  }

  /** Drops one user's streams at once (their access to a task set changed, or the account was disabled). */
  disconnect(userId: string): void {
    for (const conn of this.byUser.get(userId) ?? []) {
      conn.res.end(`retry: ${RETRY_HINT_MS}\n\n`);
      this.detach(userId, conn);
    }
  }

  private write(userId: string, conn: Connection, notification: NotificationDto): boolean {
    if (conn.sent.has(notification.id)) return false;
    if (conn.res.writableLength > MAX_BUFFERED_BYTES) {
      conn.res.destroy();
      this.detach(userId, conn);
      return false;
    }
    conn.sent.add(notification.id);
    // Ids only grow within a stream's life; keep the dedupe set small.
    if (conn.sent.size > 1000) conn.sent = new Set([...conn.sent].slice(-500));
    conn.res.write(frame(notification));
    return true;
  }

  private ping(): void {
    for (const [userId, set] of this.byUser) {
      for (const conn of set) {
        if (conn.res.writableLength > MAX_BUFFERED_BYTES) {
          conn.res.destroy();
          this.detach(userId, conn);
        } else conn.res.write(": ping\n\n");
      }
    }
  }

  private detach(userId: string, conn: Connection): void {
    const set = this.byUser.get(userId);
    if (!set) return;
    set.delete(conn);
    if (set.size === 0) this.byUser.delete(userId);
  }
}

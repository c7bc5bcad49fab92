import { createServer, IncomingMessage, Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface Received {
  headers: IncomingMessage["headers"];
  body: string;
  path: string;
  at: number;
  /** What the receiver answered (0: it did not answer, it hung). */
  answered: number;
}

/** How the receiver answers: a status, or "hang" (never answers: the sender's timeout ends it). */
export type Behaviour = number | "hang";

/**
 * A local HTTP receiver for webhook tests and the benchmark: records every request and answers
 * as told, per path (`/ok`, `/flaky`...), so one receiver serves several subscriptions.
 */
export class WebhookReceiver {
  readonly received: Received[] = [];
  private readonly behaviour = new Map<string, Behaviour>();
  private server?: Server;
  private readonly hanging = new Set<IncomingMessage>();
  /** Called on every request (the benchmark measures latency here). */
  onRequest?: (r: Received) => void;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const path = req.url ?? "/";
        const answer = this.behaviour.get(path) ?? 200;
        const record: Received = { headers: req.headers, body: Buffer.concat(chunks).toString(), path, at: Date.now(), answered: answer === "hang" ? 0 : answer };
        if (this.onRequest) this.onRequest(record);
        else this.received.push(record);
        if (answer === "hang") {
          this.hanging.add(req);
          return;
        }
        res.writeHead(answer, { "content-type": "text/plain" }).end(answer < 300 ? "ok" : "no");
      });
    });
    this.server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** From now on, requests to `path` get this answer. */
  answer(path: string, behaviour: Behaviour): void {
    this.behaviour.set(path, behaviour);
  }

  on(path: string): Received[] {
    return this.received.filter((r) => r.path === path);
  }

  async stop(): Promise<void> {
    for (const req of this.hanging) req.socket.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

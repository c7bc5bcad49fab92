import http from "node:http";
import https from "node:https";
import type { LookupFunction } from "node:net";
import { Webhook } from "standardwebhooks";
import { resolveTarget, Resolver, TargetRefused } from "./ssrf";

/** The most of a target's answer that is read; the rest is dropped unread. */
export const MAX_RESPONSE_BYTES = 16 * 1024;
const USER_AGENT = "Todogenie-Webhooks/1";

export interface SendRequest {
  url: string;
  secret: string;
  /** The delivery's id: `webhook-id`, the same on every attempt so receivers can deduplicate. */
  messageId: string;
  body: string;
  /** `webhook-timestamp`: when this attempt is made. */
  at: Date;
}

export interface SendResult {
  ok: boolean;
  status: number | null;
  durationMs: number;
  error: string | null;
}

export interface SenderOptions {
  timeoutMs: number;
  allowedHosts: readonly string[];
  resolve?: Resolver;
}

/** The Standard Webhooks headers of one attempt. */
export function signedHeaders(req: Pick<SendRequest, "secret" | "messageId" | "body" | "at">): Record<string, string> {
  return {
    "webhook-id": req.messageId,
    "webhook-timestamp": String(Math.floor(req.at.getTime() / 1000)),
    "webhook-signature": new Webhook(req.secret).sign(req.messageId, req.at, req.body),
  };
}

/**
 * POSTs one signed delivery. The host is resolved and checked again now (its DNS may have
 * changed since the subscription was made), and the connection goes to the address that was
 * checked, never to a second lookup's answer. Redirects are not followed (a 3xx is a failure),
 * the answer is read up to MAX_RESPONSE_BYTES, and the whole exchange is bounded by the timeout.
 * Only a 2xx succeeds.
 */
export class WebhookSender {
  private readonly agents = {
    http: new http.Agent({ keepAlive: true, maxSockets: 256 }),
    https: new https.Agent({ keepAlive: true, maxSockets: 256 }),
  };

  constructor(private readonly options: SenderOptions) {}

  async send(req: SendRequest): Promise<SendResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    let target;
    try {
      target = await resolveTarget(req.url, this.options.allowedHosts, this.options.resolve);
    } catch (err) {
      const message = err instanceof TargetRefused ? `refused: ${err.message}` : String(err);
      return { ok: false, status: null, durationMs: elapsed(), error: message };
    }
    const url = new URL(req.url);
    const pinned: LookupFunction = (_host, opts, cb) => {
      if ((opts as { all?: boolean }).all) (cb as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [target]);
      else cb(null, target.address, target.family);
    };
    const transport = url.protocol === "https:" ? https : http;
    return new Promise<SendResult>((resolve) => {
      let settled = false;
      const finish = (result: Omit<SendResult, "durationMs">) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ ...result, durationMs: elapsed() });
      };
      const request = transport.request(
        url,
        {
          method: "POST",
          agent: url.protocol === "https:" ? this.agents.https : this.agents.http,
          lookup: pinned,
          headers: {
            "content-type": "application/json",
            "content-length": String(Buffer.byteLength(req.body)),
            "user-agent": USER_AGENT,
            ...signedHeaders(req),
          },
        },
        (res) => {
          const status = res.statusCode ?? 0;
          let read = 0;
          res.on("data", (chunk: Buffer) => {
            read += chunk.length;
            if (read > MAX_RESPONSE_BYTES) {
              res.destroy();
              finish(outcome(status));
            }
          });
          res.on("end", () => finish(outcome(status)));
          res.on("error", () => finish(outcome(status)));
          res.on("close", () => finish(outcome(status)));
        },
      );
      const timer = setTimeout(() => {
        request.destroy();
        finish({ ok: false, status: null, error: `timed out after ${this.options.timeoutMs} ms` });
      }, this.options.timeoutMs);
      request.on("error", (err) => finish({ ok: false, status: null, error: err.message.slice(0, 500) }));
      request.end(req.body);
    });
  }

  close(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}

function outcome(status: number): Omit<SendResult, "durationMs"> {
  const ok = status >= 200 && status < 300;
  return { ok, status, error: ok ? null : status >= 300 && status < 400 ? `answered ${status} (redirects are not followed)` : `answered ${status}` };
}

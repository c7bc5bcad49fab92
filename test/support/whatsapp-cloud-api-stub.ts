import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

/** Test support: a local stand-in for the WhatsApp Cloud API on 127.0.0.1. */

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

/** One answer; "hang" never answers (for timeouts). */
export type StubReply = { status: number; body?: unknown; headers?: Record<string, string> } | "hang";

export interface CloudApiStub {
  /** Base URL, as WHATSAPP_API_URL, e.g. http://127.0.0.1:PORT/v21.0 */
  url: string;
  requests: RecordedRequest[];
  /** Queue answers for the next requests; when the queue is empty every request is accepted. */
  reply(...replies: StubReply[]): void;
  close(): Promise<void>;
}

export const replies = {
  ok: (id: string): StubReply => ({
    status: 200,
    body: { messaging_product: "whatsapp", contacts: [{ input: "+4915112345678", wa_id: "4915112345678" }], messages: [{ id }] },
  }),
  tooMany: (retryAfter?: string): StubReply => ({
    status: 429,
    headers: retryAfter === undefined ? {} : { "retry-after": retryAfter },
    body: metaError(130429, "(#130429) Rate limit hit", "Cloud API message throughput has been reached."),
  }),
  serverError: (): StubReply => ({ status: 500, body: metaError(131000, "Something went wrong", "Something went wrong.") }),
  badRequest: (code = 131026, message = "Message undeliverable"): StubReply => ({
    status: 400,
    body: metaError(code, message, "Unable to deliver the message."),
  }),
};

export function metaError(code: number, message: string, details: string) {
  return {
    error: {
      message,
      type: "OAuthException",
      code,
      error_data: { messaging_product: "whatsapp", details },
      error_subcode: 2494010,
      fbtrace_id: "AbCdEfGhIjK",
    },
  };
}

export async function startCloudApiStub(): Promise<CloudApiStub> {
  const requests: RecordedRequest[] = [];
  const queue: StubReply[] = [];
  let accepted = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      let body: unknown = raw;
      try {
        body = JSON.parse(raw);
      } catch {
        // recorded as text
      }
      requests.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers, body });
      const reply = queue.shift() ?? replies.ok(`wamid.stub-${++accepted}`);
      if (reply === "hang") return;
      res.writeHead(reply.status, { "content-type": "application/json", ...reply.headers });
      res.end(reply.body === undefined ? "" : JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v21.0`,
    requests,
    reply: (...next) => void queue.push(...next),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The verification codes sent to `phone` as text (no verification template in tests), oldest first. */
export function codesSentTo(stub: CloudApiStub, phone: string): string[] {
  return stub.requests.flatMap((r) => {
    const body = r.body as { to?: string; text?: { body?: string } };
    const code = body.to === phone ? /verification code is (\d{6})/.exec(body.text?.body ?? "")?.[1] : undefined;
    return code ? [code] : [];
  });
}

/** A URL on 127.0.0.1 where nothing listens (connection refused). */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/v21.0`;
}

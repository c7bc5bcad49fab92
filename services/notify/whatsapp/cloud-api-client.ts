import axios, { type AxiosInstance } from "axios";
import { z } from "zod";
import { type Clock, systemClock } from "../../../libs/clock";

/** What one message says: free text, or an approved template with its body parameters. */
export type MessageContent =
  | { type: "text"; body: string }
  | { type: "template"; name: string; language: string; parameters: string[] };

/** What went wrong, as recorded on the delivery. Never holds the token or request headers. */
export interface ProviderError {
  /** Absent when no HTTP answer came (network error, timeout). */
  httpStatus?: number;
  /** Meta's `error.code` (e.g. 131026), or the network error code (ECONNREFUSED, ETIMEDOUT). */
  code?: number | string;
  subcode?: number;
  type?: string;
  message: string;
  /** Meta's `error.error_data.details`: the most specific explanation. */
  details?: string;
  fbtraceId?: string;
}

export type SendResult =
  | { kind: "sent"; providerMessageId: string }
  /** Try again later; `retryAfterMs` when the provider said how long to wait (`Retry-After`). */
  | { kind: "retryable"; error: ProviderError; retryAfterMs?: number }
  /** Do not try again: the same request would fail the same way. */
  | { kind: "permanent"; error: ProviderError };

/** Sends one message; never throws for provider or network failures. */
export interface WhatsAppSender {
  send(to: string, content: MessageContent): Promise<SendResult>;
}

export interface CloudApiClientOptions {
  /** `WHATSAPP_API_URL`, e.g. https://graph.facebook.com/v21.0 */
  apiUrl: string;
  token: string;
  phoneNumberId: string;
  /** Whole-request deadline (connect, send, answer), ms. */
  timeoutMs?: number;
  /** Reads `Retry-After` given as an HTTP date. */
  clock?: Clock;
}

/**
 * Meta reports some throttling and outages as HTTP 400 with a telling code (Meta advises
 * handling by code, not status): app and account call limits (4, 80007), throughput
 * (130429), too many messages to one recipient (131056), service unavailable (2, 131016).
 * These are retried like a 429 or a 5xx.
 */
const RETRYABLE_CODES = new Set([2, 4, 80007, 130429, 131016, 131056]);

const sentSchema = z.object({ messages: z.array(z.object({ id: z.string().min(1) })).min(1) });
const metaErrorSchema = z.object({
  error: z.object({
    message: z.string().optional(),
    type: z.string().optional(),
    code: z.number().optional(),
    error_subcode: z.number().optional(),
    error_data: z.object({ details: z.string().optional() }).optional(),
    fbtrace_id: z.string().optional(),
  }),
});

/** The JSON body of `POST /{phone-number-id}/messages`. */
export function messageBody(to: string, content: MessageContent): Record<string, unknown> {
  const envelope = { messaging_product: "whatsapp", recipient_type: "individual", to };
  if (content.type === "text") {
    return { ...envelope, type: "text", text: { body: content.body, preview_url: false } };
  }
  return {
    ...envelope,
    type: "template",
    template: {
      name: content.name,
      language: { code: content.language },
      components: [{ type: "body", parameters: content.parameters.map((text) => ({ type: "text", text })) }],
    },
  };
}

/**
 * `Retry-After` in ms: delta-seconds ("120") or an HTTP date (past dates give 0);
 * undefined when absent or unreadable.
 */
export function parseRetryAfter(value: unknown, now: Date): number | undefined {
  if (typeof value !== "string" || value.trim() === "") return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Every HTTP-date form names its month in letters; Date.parse alone takes "-3" for a year.
  const at = /[a-z]{3}/i.test(text) ? Date.parse(text) : Number.NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}

/** One line for `lastError`: "HTTP 400, code 131026: Message undeliverable (details)". */
export function describeProviderError(error: ProviderError): string {
  const where = [
    error.httpStatus === undefined ? undefined : `HTTP ${error.httpStatus}`,
    error.code === undefined ? undefined : `code ${error.code}${error.subcode === undefined ? "" : `/${error.subcode}`}`,
  ].filter(Boolean);
  const details = error.details && error.details !== error.message ? ` (${error.details})` : "";
  return `${where.length ? `${where.join(", ")}: ` : ""}${error.message}${details}`.slice(0, 1000);
}

/**
 * The WhatsApp Business Cloud API, one message per call, over axios. Every outcome comes
 * back as a typed SendResult: the caller decides about retries (see retry-policy) and
 * rate (see rate-limiter).
 */
export class CloudApiClient implements WhatsAppSender {
  private readonly http: AxiosInstance;
  private readonly url: string;
  private readonly timeoutMs: number;
  private readonly clock: Clock;

  constructor(options: CloudApiClientOptions) {
    this.url = `${options.apiUrl.replace(/\/+$/, "")}/${encodeURIComponent(options.phoneNumberId)}/messages`;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.clock = options.clock ?? systemClock;
    this.http = axios.create({
      // socket inactivity; the AbortController in send() bounds the whole request
      timeout: this.timeoutMs,
      headers: { Authorization: `Bearer ${options.token}`, "Content-Type": "application/json" },
      validateStatus: () => true,
      maxRedirects: 0,
      maxContentLength: 1024 * 1024,
      transitional: { clarifyTimeoutError: true, silentJSONParsing: true, forcedJSONParsing: true },
    });
  }

  async send(to: string, content: MessageContent): Promise<SendResult> {
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), this.timeoutMs);
    try {
      const res = await this.http.post(this.url, messageBody(to, content), { signal: deadline.signal });
      return this.classify(res.status, res.data, res.headers["retry-after"]);
    } catch (err) {
      return networkFailure(err, deadline.signal.aborted);
    } finally {
      clearTimeout(timer);
    }
  }

  private classify(status: number, data: unknown, retryAfter: unknown): SendResult {
    if (status >= 200 && status < 300) {
      const sent = sentSchema.safeParse(data);
      if (sent.success) return { kind: "sent", providerMessageId: sent.data.messages[0]!.id };
      // Accepted but unnamed: it may well go out, so a retry could send it twice.
      return {
        kind: "permanent",
        error: { httpStatus: status, code: "NO_MESSAGE_ID", message: "the provider answered without a message id" },
      };
    }
    const error = providerError(status, data);
    const retryable =
      status === 408 || status === 429 || status >= 500 || (typeof error.code === "number" && RETRYABLE_CODES.has(error.code));
    if (!retryable) return { kind: "permanent", error };
    const retryAfterMs = parseRetryAfter(retryAfter, this.clock.now());
    return retryAfterMs === undefined ? { kind: "retryable", error } : { kind: "retryable", error, retryAfterMs };
  }
}

function providerError(status: number, data: unknown): ProviderError {
  const parsed = metaErrorSchema.safeParse(data);
  if (!parsed.success) return { httpStatus: status, message: `HTTP ${status} without a Graph API error body` };
  const e = parsed.data.error;
  const error: ProviderError = { httpStatus: status, message: e.message ?? `HTTP ${status}` };
  if (e.code !== undefined) error.code = e.code;
  if (e.error_subcode !== undefined) error.subcode = e.error_subcode;
  if (e.type !== undefined) error.type = e.type;
  if (e.error_data?.details !== undefined) error.details = e.error_data.details;
  if (e.fbtrace_id !== undefined) error.fbtraceId = e.fbtrace_id;
  return error;
}

/**
 * No HTTP answer: refused, reset, DNS, timeout. All retryable: the request may or may not
 * have reached Meta (a timeout after sending can mean a sent message), which makes delivery
 * at-least-once, as the contract says.
 */
function networkFailure(err: unknown, timedOut: boolean): SendResult {
  if (timedOut) return { kind: "retryable", error: { code: "ETIMEDOUT", message: "no answer within the deadline" } };
  if (axios.isAxiosError(err)) {
    return { kind: "retryable", error: { code: err.code ?? "ENETWORK", message: err.message } };
  }
  return { kind: "retryable", error: { code: "EUNKNOWN", message: err instanceof Error ? err.message : String(err) } };
}

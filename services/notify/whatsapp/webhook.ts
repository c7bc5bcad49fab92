import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import { E164 } from "../../../libs/contracts";

/**
 * Meta's WhatsApp webhooks, without HTTP: the GET handshake, the signature of a POST,
 * and its payload as typed events. The route (a later step) maps the answers to HTTP.
 */

// ---------------------------------------------------------------- GET handshake

export type HandshakeAnswer = { status: 200; body: string } | { status: 403; body: "Forbidden" };

/** Equal strings, in time that does not depend on where they differ (nor on their lengths). */
function sameSecret(a: string, b: string): boolean {
  const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();
  return timingSafeEqual(digest(a), digest(b));
}

/** A query value by its dotted name, parsed flat (`hub.mode`) or nested (`{hub: {mode}}`, qs). */
function queryValue(query: Record<string, unknown>, name: "mode" | "verify_token" | "challenge"): string | undefined {
  const flat = query[`hub.${name}`];
  const hub = query.hub;
  const nested = hub && typeof hub === "object" ? (hub as Record<string, unknown>)[name] : undefined;
  const value = flat ?? nested;
  return typeof value === "string" ? value : undefined;
}

/**
 * `GET /webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…`:
 * 200 with the challenge as plain text when the token is the configured one; 403 for
 * anything else, and always when no verify token is configured.
 */
export function verifyHandshake(query: Record<string, unknown>, verifyToken: string | undefined): HandshakeAnswer {
  const mode = queryValue(query, "mode");
  const token = queryValue(query, "verify_token");
  const challenge = queryValue(query, "challenge");
  if (!verifyToken || mode !== "subscribe" || token === undefined || !challenge) {
    return { status: 403, body: "Forbidden" };
  }
  return sameSecret(token, verifyToken) ? { status: 200, body: challenge } : { status: 403, body: "Forbidden" };
}

// ---------------------------------------------------------------- POST signature

export type SignatureCheck = { ok: true } | { ok: false; reason: "no_secret" | "missing" | "malformed" | "mismatch" };

const SIGNATURE = /^sha256=([0-9a-f]{64})$/i;

/**
 * `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(raw body, app secret)>`. `rawBody` must be
 * the bytes as received (express.raw(), or the `verify` hook of express.json()): JSON
 * parsed and serialised again does not hash the same. Anything but a match is a refusal
 * (401, nothing applied), including no app secret configured.
 */
export function verifySignature(
  rawBody: Buffer | string,
  header: string | string[] | undefined,
  appSecret: string | undefined,
): SignatureCheck {
  if (!appSecret) return { ok: false, reason: "no_secret" };
  if (header === undefined || header === "") return { ok: false, reason: "missing" };
  const match = typeof header === "string" ? SIGNATURE.exec(header.trim()) : null;
  if (!match) return { ok: false, reason: "malformed" };
  const expected = createHmac("sha256", appSecret).update(rawBody).digest();
  return timingSafeEqual(expected, Buffer.from(match[1]!, "hex")) ? { ok: true } : { ok: false, reason: "mismatch" };
}

// ---------------------------------------------------------------- payload

export const WEBHOOK_STATUSES = ["sent", "delivered", "read", "failed"] as const;
export type WebhookStatus = (typeof WEBHOOK_STATUSES)[number];

export interface StatusUpdate {
  /** The `wamid.…` the send returned: finds the delivery. */
  providerMessageId: string;
  status: WebhookStatus;
  timestamp: Date;
  /** The business number it concerns (`metadata.phone_number_id`). */
  phoneNumberId?: string;
  recipientId?: string;
  /** With `failed`: why. */
  errors?: { code: number; title?: string; message?: string; details?: string }[];
}

export interface InboundText {
  messageId: string;
  /** The sender, E.164 with "+" (Meta sends the digits alone). */
  from: string;
  /** The text, or a quick-reply button's text. */
  text: string;
  timestamp: Date;
  phoneNumberId?: string;
  profileName?: string;
}

export interface WebhookEvents {
  statuses: StatusUpdate[];
  messages: InboundText[];
  /** What was passed over and why (other fields, unknown statuses, images …): for logs. */
  ignored: string[];
}

/** Unix seconds, as Meta sends them (a string of digits). */
const unixSeconds = z.union([z.string().regex(/^\d{1,12}$/), z.int().nonnegative()]).transform((s) => new Date(Number(s) * 1000));

// z.object passes unknown keys over: lenient with what we do not read, strict with what we do.
const statusSchema = z.object({
  id: z.string().min(1),
  status: z.enum(WEBHOOK_STATUSES),
  timestamp: unixSeconds,
  recipient_id: z.string().optional(),
  errors: z
    .array(
      z.object({
        code: z.number(),
        title: z.string().optional(),
        message: z.string().optional(),
        error_data: z.object({ details: z.string().optional() }).optional(),
      }),
    )
    .optional(),
});

const messageSchema = z.object({
  // Meta sends the digits alone
  from: z
    .string()
    .transform((digits) => `+${digits}`)
    .pipe(z.string().regex(E164, "not an international number")),
  id: z.string().min(1),
  timestamp: unixSeconds,
  type: z.string(),
  text: z.object({ body: z.string() }).optional(),
  button: z.object({ text: z.string() }).optional(),
});

const valueSchema = z.object({
  metadata: z.object({ phone_number_id: z.string() }).optional(),
  contacts: z.array(z.object({ wa_id: z.string().optional(), profile: z.object({ name: z.string() }).optional() })).optional(),
  statuses: z.array(z.unknown()).optional(),
  messages: z.array(z.unknown()).optional(),
});

const payloadSchema = z.object({
  object: z.literal("whatsapp_business_account"),
  entry: z.array(z.object({ changes: z.array(z.object({ field: z.string(), value: z.unknown() })) })),
});

export type ParsedWebhook = ({ ok: true } & WebhookEvents) | { ok: false; error: string };

/**
 * The events of one webhook POST (the raw body, or its parsed JSON). A payload that is not
 * a WhatsApp Business Account notification is an error; inside one, each status or message
 * that does not parse is passed over (listed in `ignored`), never the whole batch.
 */
export function parseWebhook(body: unknown): ParsedWebhook {
  let json: unknown = body;
  if (typeof body === "string" || Buffer.isBuffer(body)) {
    try {
      json = JSON.parse(typeof body === "string" ? body : body.toString("utf8"));
    } catch {
      return { ok: false, error: "the body is not JSON" };
    }
  }
  const payload = payloadSchema.safeParse(json);
  if (!payload.success) return { ok: false, error: `not a WhatsApp Business Account notification: ${z.prettifyError(payload.error)}` };

  const events: WebhookEvents = { statuses: [], messages: [], ignored: [] };
  for (const entry of payload.data.entry) {
    for (const change of entry.changes) {
      if (change.field !== "messages") {
        events.ignored.push(`field ${change.field}`);
        continue;
      }
      const value = valueSchema.safeParse(change.value);
      if (!value.success) {
        events.ignored.push(`a messages change that does not parse: ${z.prettifyError(value.error)}`);
        continue;
      }
      collect(value.data, events);
    }
  }
  return { ok: true, ...events };
}

function collect(value: z.output<typeof valueSchema>, events: WebhookEvents): void {
  const phoneNumberId = value.metadata?.phone_number_id;
  const names = new Map(value.contacts?.map((c) => [c.wa_id, c.profile?.name]));

  for (const raw of value.statuses ?? []) {
    const s = statusSchema.safeParse(raw);
    if (!s.success) {
      events.ignored.push(`status: ${describeInvalid(raw, s.error)}`);
      continue;
    }
    const update: StatusUpdate = { providerMessageId: s.data.id, status: s.data.status, timestamp: s.data.timestamp };
    if (phoneNumberId !== undefined) update.phoneNumberId = phoneNumberId;
    if (s.data.recipient_id !== undefined) update.recipientId = s.data.recipient_id;
    if (s.data.errors?.length) {
      update.errors = s.data.errors.map(({ code, title, message, error_data }) => ({
        code,
        ...(title === undefined ? {} : { title }),
        ...(message === undefined ? {} : { message }),
        ...(error_data?.details === undefined ? {} : { details: error_data.details }),
      }));
    }
    events.statuses.push(update);
  }

  for (const raw of value.messages ?? []) {
    const m = messageSchema.safeParse(raw);
    if (!m.success) {
      events.ignored.push(`message: ${describeInvalid(raw, m.error)}`);
      continue;
    }
    const text = m.data.type === "text" ? m.data.text?.body : m.data.type === "button" ? m.data.button?.text : undefined;
    if (text === undefined) {
      events.ignored.push(`message ${m.data.id} of type ${m.data.type}`);
      continue;
    }
    const inbound: InboundText = { messageId: m.data.id, from: m.data.from, text, timestamp: m.data.timestamp };
    if (phoneNumberId !== undefined) inbound.phoneNumberId = phoneNumberId;
    const profileName = names.get(m.data.from.slice(1));
    if (profileName !== undefined) inbound.profileName = profileName;
    events.messages.push(inbound);
  }
}

function describeInvalid(raw: unknown, error: z.ZodError): string {
  const id = raw && typeof raw === "object" && "id" in raw ? ` ${String((raw as { id: unknown }).id)}` : "";
  return `${id.trim() || "(no id)"}: ${error.issues.map((i) => `${i.path.join(".") || "value"} ${i.message}`).join("; ")}`;
}

import type { WhatsAppConfig } from "../../libs/config";
import { UnauthorizedError } from "../../libs/errors";
import { parseCommand } from "./whatsapp/inbound-command";
import { parseWebhook, verifySignature } from "./whatsapp/webhook";
import type { WhatsAppDeliveries } from "./whatsapp-deliveries";

/** What an inbound command acts on: the sender's latest reminder. */
export interface InboundActions {
  complete(phone: string): Promise<void>;
  snooze(phone: string, minutes: number): Promise<void>;
}

export interface WebhookOutcome {
  statuses: number;
  commands: number;
  ignored: string[];
}

/**
 * A signed webhook POST from Meta: the signature is checked over the raw bytes before
 * anything is parsed or applied. Status callbacks move deliveries forward only; inbound
 * texts run `done` / `snooze N` against the sender's latest reminder.
 */
export async function handleWebhook(
  rawBody: Buffer,
  signature: string | undefined,
  config: WhatsAppConfig,
  deliveries: WhatsAppDeliveries,
  inbound: InboundActions,
): Promise<WebhookOutcome> {
  const check = verifySignature(rawBody, signature, config.appSecret);
  if (!check.ok) throw new UnauthorizedError(`webhook signature rejected (${check.reason})`);
  let body: unknown;
  try {
    body = JSON.parse(rawBody.toString("utf8"));
  } catch {
    return { statuses: 0, commands: 0, ignored: ["body is not JSON"] };
  }
  const parsed = parseWebhook(body);
  if (!parsed.ok) return { statuses: 0, commands: 0, ignored: [parsed.error] };
  const outcome: WebhookOutcome = { statuses: 0, commands: 0, ignored: [...parsed.ignored] };
  for (const update of parsed.statuses) {
    const error = update.errors?.map((e) => `${e.code}: ${e.title ?? e.message ?? ""}`).join("; ");
    if (await deliveries.applyStatus(update.providerMessageId, update.status, error)) outcome.statuses++;
  }
  for (const message of parsed.messages) {
    const command = parseCommand(message.text);
    if (command.kind === "done") await inbound.complete(message.from);
    else if (command.kind === "snooze") await inbound.snooze(message.from, command.minutes);
    else {
      outcome.ignored.push(`unknown command from ${message.from}`);
      continue;
    }
    outcome.commands++;
  }
  return outcome;
}

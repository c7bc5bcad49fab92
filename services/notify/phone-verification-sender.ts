import type { Clock } from "../../libs/clock";
import type { WhatsAppConfig } from "../../libs/config";
import type { PhoneVerificationEvent } from "../../libs/contracts";
import { describeProviderError, type WhatsAppSender } from "./whatsapp/cloud-api-client";
import { verificationMessage } from "./whatsapp/verification-message";

export interface VerificationSenderDeps {
  config: WhatsAppConfig;
  client?: WhatsAppSender;
  limiter: { acquire(key: string): Promise<void> };
  clock: Clock;
  logger: { warn(...args: unknown[]): void; info(...args: unknown[]): void };
}

/**
 * Sends one verification code. Unlike a reminder it goes to a number nobody has verified
 * yet and without opt-in: proving the number is the point, and the user asked for it by
 * hand (the gateway limits how often). It shares the sender's rate limit with reminders.
 * A retryable failure throws, so the channel redelivers; a code past its expiry is dropped.
 */
export async function sendVerificationCode(event: PhoneVerificationEvent, deps: VerificationSenderDeps): Promise<void> {
  const { config, client, limiter, clock, logger } = deps;
  if (new Date(event.expiresAt).getTime() <= clock.now().getTime()) {
    logger.info(`verification code ${event.key} expired before it could be sent; dropped`);
    return;
  }
  if (!config.sender || !client) {
    logger.warn("WhatsApp is not configured (WHATSAPP_TOKEN, WHATSAPP_PHONE_NUMBER_ID): verification code not sent");
    return;
  }
  await limiter.acquire(config.sender.phoneNumberId);
  const result = await client.send(event.phone, verificationMessage(event.code, config.verificationTemplate));
  if (result.kind === "sent") return;
  const reason = describeProviderError(result.error);
  if (result.kind === "permanent") {
    logger.warn(`verification code ${event.key} not sent: ${reason}`);
    return;
  }
  throw new Error(`verification code ${event.key} not sent yet: ${reason}`);
}

import type { Clock } from "../../libs/clock";
import type { WhatsAppConfig } from "../../libs/config";
import type { PhoneVerificationEvent } from "../../libs/contracts";
import { describeProviderError, type WhatsAppSender } from "./whatsapp/cloud-api-client";
import { canRetry, DEFAULT_RETRY_POLICY, nextDelay } from "./whatsapp/retry-policy";
import { verificationMessage } from "./whatsapp/verification-message";

export interface VerificationSenderDeps {
  config: WhatsAppConfig;
  client?: WhatsAppSender;
  limiter: { acquire(key: string): Promise<void> };
  clock: Clock;
  logger: { warn(...args: unknown[]): void; info(...args: unknown[]): void };
  /** Waits between retries; tests move their clock instead. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/**
 * Sends one verification code. Unlike a reminder it goes to a number nobody has verified
 * yet and without opt-in: proving the number is the point, and the user asked for it by
 * hand (the gateway limits how often). It shares the sender's rate limit with reminders.
 * Retryable failures are retried here, with the reminders' backoff, while the code is still
 * valid: in-process channels do not redeliver, and a code arriving after its expiry is noise.
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
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const expiresAt = new Date(event.expiresAt).getTime();
  for (let attempt = 1; ; attempt++) {
    await limiter.acquire(config.sender.phoneNumberId);
    const result = await client.send(event.phone, verificationMessage(event.code, config.verificationTemplate));
    if (result.kind === "sent") return;
    const reason = describeProviderError(result.error);
    const delay = result.kind === "retryable" ? nextDelay(attempt, result.retryAfterMs, deps.random) : undefined;
    if (delay === undefined || !canRetry(attempt, DEFAULT_RETRY_POLICY) || clock.now().getTime() + delay >= expiresAt) {
      logger.warn(`verification code ${event.key} not sent after ${attempt} attempt(s): ${reason}`);
      return;
    }
    await sleep(delay);
  }
}

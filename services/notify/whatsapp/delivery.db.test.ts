import { ManualClock } from "../../../libs/clock";
import type { WhatsAppConfig } from "../../../libs/config";
import { CloudApiClient } from "./cloud-api-client";
import { type CloudApiStub, replies, startCloudApiStub } from "../../../test/support/whatsapp-cloud-api-stub";
import { deliverWhatsApp, type DeliverWhatsAppInput, type DeliveryResult, type WhatsAppRecipient } from "./delivery";
import { RateLimiter } from "./rate-limiter";

const PHONE_ID = "1234567890";
const NOW = new Date("2026-03-02T10:00:00Z"); // 11:00 in Berlin

const notification = {
  id: "6f1c0d3e-2b7a-4a51-9a43-0c8f0e5b1f11",
  title: "Pay rent",
  dueAt: "2026-03-02T12:00:00Z",
  channels: ["sse", "whatsapp"],
};
const ada: WhatsAppRecipient = {
  timezone: "Europe/Berlin",
  phone: "+4915112345678",
  phoneVerified: true,
  whatsappOptIn: true,
  notificationPrefs: { whatsapp: true, quietHours: null },
};

let stub: CloudApiStub;
let clock: ManualClock;
let slept: number[];
let base: DeliverWhatsAppInput;

beforeEach(async () => {
  stub = await startCloudApiStub();
  clock = new ManualClock(NOW);
  slept = [];
  const config: WhatsAppConfig = {
    apiUrl: stub.url,
    sender: { token: "tok", phoneNumberId: PHONE_ID },
    ratePerSecond: 80,
  };
  base = {
    notification,
    user: ada,
    config,
    client: new CloudApiClient({ apiUrl: stub.url, token: "tok", phoneNumberId: PHONE_ID, clock }),
    limiter: new RateLimiter({
      ratePerSecond: 80,
      clock,
      sleep: async (ms) => {
        slept.push(ms);
        clock.advance(ms);
      },
    }),
    clock,
    random: () => 0.9,
  };
});
afterEach(() => stub.close());

/** The row the caller would store, fed back on the next call. */
const row = (r: DeliveryResult) => ({
  status: r.status,
  attempts: r.attempts,
  lastError: r.lastError,
  providerMessageId: r.providerMessageId,
});

describe("deliverWhatsApp", () => {
  it("sends the reminder text to the user's phone and returns the provider id", async () => {
    const result = await deliverWhatsApp(base);

    expect(result).toEqual({
      outcome: "sent",
      status: "sent",
      attempts: 1,
      lastError: null,
      providerMessageId: "wamid.stub-1",
      nextAttemptAt: null,
    });
    expect(stub.requests).toHaveLength(1);
    expect(stub.requests[0]!.path).toBe(`/v21.0/${PHONE_ID}/messages`);
    expect(stub.requests[0]!.body).toMatchObject({
      to: "+4915112345678",
      type: "text",
      text: { body: expect.stringMatching(/^Reminder: Pay rent — due Mon 2 Mar 2026, 13:00 \(Europe\/Berlin\)\n/) },
    });
  });

  it("sends the template when one is configured", async () => {
    await deliverWhatsApp({ ...base, config: { ...base.config, template: { name: "task_reminder", language: "de" } } });
    expect(stub.requests[0]!.body).toMatchObject({
      type: "template",
      template: {
        name: "task_reminder",
        language: { code: "de" },
        components: [{ parameters: [{ text: "Pay rent" }, { text: "Mon 2 Mar 2026, 13:00 (Europe/Berlin)" }] }],
      },
    });
  });

  it("429, then 500, then 200: retries at growing delays, one message in the end", async () => {
    stub.reply(replies.tooMany("1"), replies.serverError());

    const first = await deliverWhatsApp(base);
    expect(first).toMatchObject({ outcome: "retry", status: "pending", attempts: 1, providerMessageId: null });
    expect(first.lastError).toMatch(/^HTTP 429, code 130429/);
    // jitter 0.9 × 1 s = 900 ms, but Retry-After asked for 1 s
    expect(first.nextAttemptAt!.getTime() - clock.now().getTime()).toBe(1000);

    clock.set(first.nextAttemptAt!);
    const second = await deliverWhatsApp({ ...base, delivery: row(first) });
    expect(second).toMatchObject({ outcome: "retry", status: "pending", attempts: 2 });
    expect(second.lastError).toMatch(/^HTTP 500/);
    expect(second.nextAttemptAt!.getTime() - clock.now().getTime()).toBe(1800); // 0.9 × 2 s

    clock.set(second.nextAttemptAt!);
    const third = await deliverWhatsApp({ ...base, delivery: row(second) });
    expect(third).toEqual({
      outcome: "sent",
      status: "sent",
      attempts: 3,
      lastError: null,
      providerMessageId: "wamid.stub-1",
      nextAttemptAt: null,
    });

    expect(stub.requests).toHaveLength(3);
    expect(new Set(stub.requests.map((r) => JSON.stringify(r.body))).size).toBe(1); // the same message each time
  });

  it("400: failed with the provider's code recorded, no retry", async () => {
    stub.reply(replies.badRequest(131026, "Message undeliverable"));
    const result = await deliverWhatsApp(base);

    expect(result).toMatchObject({ outcome: "failed", status: "failed", attempts: 1, nextAttemptAt: null });
    expect(result.lastError).toBe("HTTP 400, code 131026/2494010: Message undeliverable (Unable to deliver the message.)");
    expect(result.providerError).toMatchObject({ code: 131026, fbtraceId: "AbCdEfGhIjK" });

    expect(await deliverWhatsApp({ ...base, delivery: row(result) })).toMatchObject({ outcome: "unchanged", status: "failed" });
    expect(stub.requests).toHaveLength(1);
  });

  it("gives up after the last attempt the policy allows", async () => {
    stub.reply(replies.serverError(), replies.serverError());
    const policy = { baseMs: 100, capMs: 1000, maxAttempts: 2 };
    const first = await deliverWhatsApp({ ...base, retryPolicy: policy });
    expect(first.outcome).toBe("retry");
    const last = await deliverWhatsApp({ ...base, retryPolicy: policy, delivery: row(first) });
    expect(last).toMatchObject({ outcome: "failed", status: "failed", attempts: 2, nextAttemptAt: null });
    expect(last.lastError).toMatch(/^gave up after 2 attempts: HTTP 500/);
  });

  it("never sends twice for a delivery already marked sent", async () => {
    const sent = await deliverWhatsApp(base);
    for (const delivery of [row(sent), { ...row(sent), status: "delivered" as const }, { ...row(sent), status: "read" as const }]) {
      expect(await deliverWhatsApp({ ...base, delivery })).toEqual({ outcome: "unchanged", ...delivery, nextAttemptAt: null });
    }
    // a pending row that already holds a provider id was sent too
    expect((await deliverWhatsApp({ ...base, delivery: { ...row(sent), status: "pending" } })).outcome).toBe("unchanged");
    expect(stub.requests).toHaveLength(1);
  });

  it.each([
    ["not opted in", { user: { ...ada, whatsappOptIn: false } }, "not_opted_in"],
    ["without a phone", { user: { ...ada, phone: null } }, "no_phone"],
    ["with a phone that is not E.164", { user: { ...ada, phone: "015112345678" } }, "no_phone"],
    ["whose phone is not verified", { user: { ...ada, phoneVerified: false } }, "phone_unverified"],
    ["who turned WhatsApp off", { user: { ...ada, notificationPrefs: { whatsapp: false, quietHours: null } } }, "disabled_by_user"],
    ["for a reminder that did not ask for it", { notification: { ...notification, channels: ["sse"] } }, "not_requested"],
    ["when no sender is configured", { config: { apiUrl: "http://127.0.0.1:9", ratePerSecond: 80 } }, "not_configured"],
    ["when there is no client", { client: undefined }, "not_configured"],
  ] as const)("sends nothing to a user %s", async (_, override, reason) => {
    const result = await deliverWhatsApp({ ...base, ...override });
    expect(result).toEqual({
      outcome: "skipped",
      status: "skipped",
      attempts: 0,
      lastError: null,
      providerMessageId: null,
      nextAttemptAt: null,
      skipReason: reason,
    });
    expect(stub.requests).toHaveLength(0);
  });

  it("postpones to the end of quiet hours, then sends", async () => {
    const user = { ...ada, notificationPrefs: { whatsapp: true, quietHours: { start: "22:00", end: "07:00" } } };
    clock.set("2026-03-02T23:30:00+01:00");

    const postponed = await deliverWhatsApp({ ...base, user });
    expect(postponed).toMatchObject({ outcome: "postponed", status: "pending", attempts: 0 });
    expect(postponed.nextAttemptAt).toEqual(new Date("2026-03-03T07:00:00+01:00"));
    expect(stub.requests).toHaveLength(0);

    clock.set(postponed.nextAttemptAt!);
    expect(await deliverWhatsApp({ ...base, user, delivery: row(postponed) })).toMatchObject({ outcome: "sent", attempts: 1 });
  });

  it("waits for the rate limiter of the sender number before each send", async () => {
    const limiter = new RateLimiter({ ratePerSecond: 2, clock, sleep: async (ms) => void slept.push(ms) });
    const results = await Promise.all([1, 2, 3].map(() => deliverWhatsApp({ ...base, limiter })));
    expect(results.map((r) => r.outcome)).toEqual(["sent", "sent", "sent"]);
    expect(slept).toEqual([500, 1000]);
  });
});

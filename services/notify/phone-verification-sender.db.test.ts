import { ManualClock } from "../../libs/clock";
import type { WhatsAppConfig } from "../../libs/config";
import { type CloudApiStub, replies, startCloudApiStub } from "../../test/support/whatsapp-cloud-api-stub";
import { sendVerificationCode, type VerificationSenderDeps } from "./phone-verification-sender";
import { CloudApiClient } from "./whatsapp/cloud-api-client";

const clock = new ManualClock(new Date("2026-03-02T10:00:00Z"));
const event = { key: "k1", phone: "+4915112345678", code: "042917", expiresAt: "2026-03-02T10:10:00Z" };
let stub: CloudApiStub;
let deps: VerificationSenderDeps;
let warnings: unknown[];
let acquired: string[];

beforeEach(async () => {
  stub = await startCloudApiStub();
  warnings = [];
  acquired = [];
  const config: WhatsAppConfig = { apiUrl: stub.url, sender: { token: "tok", phoneNumberId: "1234567890" }, ratePerSecond: 80 };
  deps = {
    config,
    client: new CloudApiClient({ apiUrl: stub.url, token: "tok", phoneNumberId: "1234567890", clock }),
    limiter: { acquire: async (key) => void acquired.push(key) },
    clock,
    logger: { warn: (...args) => warnings.push(args), info: () => {} },
    sleep: async (ms) => clock.advance(ms),
    random: () => 1,
  };
});
afterEach(() => stub.close());

test("sends the code to the number, through the sender's rate limit", async () => {
  clock.set("2026-03-02T10:00:00Z");
  await sendVerificationCode(event, deps);
  expect(acquired).toEqual(["1234567890"]);
  expect(stub.requests).toHaveLength(1);
  expect(stub.requests[0]!.body).toMatchObject({ to: event.phone, type: "text", text: { body: expect.stringContaining("042917") } });
});

test("as the verification template when one is configured", async () => {
  clock.set("2026-03-02T10:00:00Z");
  await sendVerificationCode(event, { ...deps, config: { ...deps.config, verificationTemplate: { name: "phone_code", language: "en" } } });
  expect(stub.requests[0]!.body).toMatchObject({
    type: "template",
    template: { name: "phone_code", language: { code: "en" }, components: [{ type: "body", parameters: [{ type: "text", text: "042917" }] }] },
  });
});

test("retryable failures are retried while the code is valid; a permanent one is logged and dropped", async () => {
  clock.set("2026-03-02T10:00:00Z");
  stub.reply(replies.tooMany("2"), replies.serverError());
  await sendVerificationCode(event, deps);
  expect(stub.requests).toHaveLength(3);
  expect(warnings).toHaveLength(0);

  stub.reply(replies.badRequest());
  await sendVerificationCode(event, deps);
  expect(stub.requests).toHaveLength(4);
  expect(warnings).toHaveLength(1);
});

test("no retry would land after the code expires", async () => {
  clock.set("2026-03-02T10:09:59Z");
  stub.reply(replies.tooMany("5"));
  await sendVerificationCode(event, deps);
  expect(stub.requests).toHaveLength(1);
  expect(warnings).toHaveLength(1);
});

test("a code past its expiry, or without a configured sender, is not sent", async () => {
  clock.set("2026-03-02T10:00:00Z");
  await sendVerificationCode({ ...event, expiresAt: "2026-03-02T10:00:00Z" }, deps);
  await sendVerificationCode(event, { ...deps, client: undefined });
  expect(stub.requests).toHaveLength(0);
});

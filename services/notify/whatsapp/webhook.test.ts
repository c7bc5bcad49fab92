import { createHmac } from "node:crypto";
import { parseWebhook, verifyHandshake, verifySignature } from "./webhook";

describe("verifyHandshake", () => {
  const query = { "hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "1158201444" };

  it("answers the challenge as it came when the token matches", () => {
    expect(verifyHandshake(query, "verify-me")).toEqual({ status: 200, body: "1158201444" });
    // qs-style nested parsing of the same query string
    expect(verifyHandshake({ hub: { mode: "subscribe", verify_token: "verify-me", challenge: "42" } }, "verify-me")).toEqual({
      status: 200,
      body: "42",
    });
  });

  it.each([
    ["a wrong token", { ...query, "hub.verify_token": "verify-you" }, "verify-me"],
    ["a longer token", { ...query, "hub.verify_token": "verify-me-too" }, "verify-me"],
    ["no token", { "hub.mode": "subscribe", "hub.challenge": "1" }, "verify-me"],
    ["another mode", { ...query, "hub.mode": "unsubscribe" }, "verify-me"],
    ["no challenge", { "hub.mode": "subscribe", "hub.verify_token": "verify-me" }, "verify-me"],
    ["a repeated parameter", { ...query, "hub.verify_token": ["verify-me", "verify-me"] }, "verify-me"],
    ["no verify token configured", query, undefined],
    ["an empty one", { ...query, "hub.verify_token": "" }, ""],
  ])("403 for %s", (_, q, configured) => {
    expect(verifyHandshake(q, configured)).toEqual({ status: 403, body: "Forbidden" });
  });
});

describe("verifySignature", () => {
  const secret = "app-secret-123";
  const body = Buffer.from('{"object":"whatsapp_business_account","entry":[]}');
  const sign = (raw: Buffer | string, key = secret) => `sha256=${createHmac("sha256", key).update(raw).digest("hex")}`;

  it("accepts the HMAC-SHA256 of the raw body (hex, any case)", () => {
    expect(verifySignature(body, sign(body), secret)).toEqual({ ok: true });
    expect(verifySignature(body.toString(), sign(body).toUpperCase().replace("SHA256=", "sha256="), secret)).toEqual({ ok: true });
  });

  it("rejects a changed body, another secret, or the JSON serialised again", () => {
    const tampered = Buffer.from(body.toString().replace("[]", '[{"id":"1"}]'));
    expect(verifySignature(tampered, sign(body), secret)).toEqual({ ok: false, reason: "mismatch" });
    expect(verifySignature(body, sign(body, "another-secret"), secret)).toEqual({ ok: false, reason: "mismatch" });
    const pretty = JSON.stringify(JSON.parse(body.toString()), null, 2);
    expect(verifySignature(pretty, sign(body), secret)).toEqual({ ok: false, reason: "mismatch" });
  });

  it("rejects a missing or malformed header", () => {
    expect(verifySignature(body, undefined, secret)).toEqual({ ok: false, reason: "missing" });
    expect(verifySignature(body, "", secret)).toEqual({ ok: false, reason: "missing" });
    const sha1 = `sha1=${createHmac("sha1", secret).update(body).digest("hex")}`;
    expect(verifySignature(body, sha1, secret)).toEqual({ ok: false, reason: "malformed" });
    expect(verifySignature(body, sign(body).slice(0, -2), secret)).toEqual({ ok: false, reason: "malformed" });
    expect(verifySignature(body, [sign(body), sign(body)], secret)).toEqual({ ok: false, reason: "malformed" });
  });

  it("rejects everything when no app secret is configured", () => {
    expect(verifySignature(body, sign(body, ""), undefined)).toEqual({ ok: false, reason: "no_secret" });
    expect(verifySignature(body, sign(body, ""), "")).toEqual({ ok: false, reason: "no_secret" });
  });
});

/** As Meta sends it: one entry with a status change, one with an inbound message. */
const SAMPLE = {
  object: "whatsapp_business_account",
  entry: [
    {
      id: "102290129340398",
      changes: [
        {
          value: {
            messaging_product: "whatsapp",
            metadata: { display_phone_number: "15550783881", phone_number_id: "106540352242922" },
            statuses: [
              {
                id: "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJDQjZCMzlEQUE4OTJBMTE4RTUA",
                status: "delivered",
                timestamp: "1750263773",
                recipient_id: "4915112345678",
                conversation: { id: "6ceb9d929c1d9fe6c1b3e2e4c5b6a7f0", origin: { type: "utility" } },
                pricing: { billable: true, pricing_model: "PMP", category: "utility", type: "regular" },
              },
              {
                id: "wamid.FAILED",
                status: "failed",
                timestamp: "1750263774",
                recipient_id: "4915112345678",
                errors: [
                  {
                    code: 131026,
                    title: "Message undeliverable",
                    message: "Message undeliverable",
                    error_data: { details: "Message Undeliverable." },
                    href: "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/",
                  },
                ],
              },
              { id: "wamid.DELETED", status: "deleted", timestamp: "1750263775", recipient_id: "4915112345678" },
            ],
          },
          field: "messages",
        },
      ],
    },
    {
      id: "102290129340398",
      changes: [
        {
          value: {
            messaging_product: "whatsapp",
            metadata: { display_phone_number: "15550783881", phone_number_id: "106540352242922" },
            contacts: [{ profile: { name: "Ada Lovelace" }, wa_id: "4915112345678" }],
            messages: [
              {
                from: "4915112345678",
                id: "wamid.INBOUND1",
                timestamp: "1750263800",
                text: { body: "Snooze 30" },
                type: "text",
              },
              {
                from: "4915112345678",
                id: "wamid.INBOUND2",
                timestamp: "1750263801",
                type: "image",
                image: { mime_type: "image/jpeg", sha256: "abc", id: "123" },
              },
              {
                context: { from: "15550783881", id: "wamid.REMINDER" },
                from: "4915112345678",
                id: "wamid.INBOUND3",
                timestamp: "1750263802",
                type: "button",
                button: { payload: "DONE", text: "Done" },
              },
            ],
          },
          field: "messages",
        },
        { value: { ban_info: { waba_ban_state: "SCHEDULE_FOR_DISABLE" } }, field: "account_update" },
      ],
    },
  ],
};

describe("parseWebhook", () => {
  it("reads status updates and inbound texts from a Meta payload", () => {
    const parsed = parseWebhook(Buffer.from(JSON.stringify(SAMPLE)));
    expect(parsed).toEqual({
      ok: true,
      statuses: [
        {
          providerMessageId: "wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJDQjZCMzlEQUE4OTJBMTE4RTUA",
          status: "delivered",
          timestamp: new Date(1750263773 * 1000),
          phoneNumberId: "106540352242922",
          recipientId: "4915112345678",
        },
        {
          providerMessageId: "wamid.FAILED",
          status: "failed",
          timestamp: new Date(1750263774 * 1000),
          phoneNumberId: "106540352242922",
          recipientId: "4915112345678",
          errors: [{ code: 131026, title: "Message undeliverable", message: "Message undeliverable", details: "Message Undeliverable." }],
        },
      ],
      messages: [
        {
          messageId: "wamid.INBOUND1",
          from: "+4915112345678",
          text: "Snooze 30",
          timestamp: new Date(1750263800 * 1000),
          phoneNumberId: "106540352242922",
          profileName: "Ada Lovelace",
        },
        {
          messageId: "wamid.INBOUND3",
          from: "+4915112345678",
          text: "Done",
          timestamp: new Date(1750263802 * 1000),
          phoneNumberId: "106540352242922",
          profileName: "Ada Lovelace",
        },
      ],
      ignored: [expect.stringMatching(/^status: wamid\.DELETED: status/), "message wamid.INBOUND2 of type image", "field account_update"],
    });
  });

  it("passes over one bad item, not the batch", () => {
    const value = {
      statuses: [
        { id: "wamid.OK", status: "read", timestamp: "1750263773" },
        { id: "wamid.NOTIME", status: "read" },
      ],
      messages: [{ from: "not-a-number", id: "wamid.X", timestamp: "1750263800", type: "text", text: { body: "done" } }],
    };
    const parsed = parseWebhook({ object: "whatsapp_business_account", entry: [{ changes: [{ field: "messages", value }] }] });
    expect(parsed.ok && parsed.statuses.map((s) => s.providerMessageId)).toEqual(["wamid.OK"]);
    expect(parsed.ok && parsed.messages).toEqual([]);
    expect(parsed.ok && parsed.ignored).toEqual([
      expect.stringMatching(/^status: wamid\.NOTIME: timestamp/),
      expect.stringMatching(/^message: wamid\.X: from not an international number/),
    ]);
  });

  it("refuses what is not a WhatsApp Business Account notification", () => {
    expect(parseWebhook("{not json")).toEqual({ ok: false, error: "the body is not JSON" });
    expect(parseWebhook({ object: "page", entry: [] })).toMatchObject({ ok: false });
    expect(parseWebhook({ object: "whatsapp_business_account" })).toMatchObject({ ok: false });
    expect(parseWebhook({ object: "whatsapp_business_account", entry: [] })).toEqual({
      ok: true,
      statuses: [],
      messages: [],
      ignored: [],
    });
  });
});

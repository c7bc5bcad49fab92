import { ManualClock } from "../../../libs/clock";
import { CloudApiClient, describeProviderError, parseRetryAfter } from "./cloud-api-client";
import { closedPortUrl, type CloudApiStub, metaError, replies, startCloudApiStub } from "../../../test/support/whatsapp-cloud-api-stub";

const TOKEN = "EAAG-secret-token";
const PHONE_ID = "1234567890";
const TO = "+4915112345678";

let stub: CloudApiStub;
beforeEach(async () => {
  stub = await startCloudApiStub();
});
afterEach(() => stub.close());

const client = (options: { apiUrl?: string; timeoutMs?: number; clock?: ManualClock } = {}) =>
  new CloudApiClient({ apiUrl: stub.url, token: TOKEN, phoneNumberId: PHONE_ID, ...options });

describe("CloudApiClient.send", () => {
  it("posts a text message to /{phone-number-id}/messages with the bearer token", async () => {
    const result = await client().send(TO, { type: "text", body: "Reminder: Pay rent" });

    expect(result).toEqual({ kind: "sent", providerMessageId: "wamid.stub-1" });
    expect(stub.requests).toHaveLength(1);
    const [req] = stub.requests;
    expect(req!.method).toBe("POST");
    expect(req!.path).toBe(`/v21.0/${PHONE_ID}/messages`);
    expect(req!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(req!.headers["content-type"]).toMatch(/^application\/json/);
    expect(req!.body).toEqual({
      messaging_product: "whatsapp",
      recipient_type: "individual",
      to: TO,
      type: "text",
      text: { body: "Reminder: Pay rent", preview_url: false },
    });
  });

  it("posts a template with the body parameters in order", async () => {
    const result = await client().send(TO, {
      type: "template",
      name: "task_reminder",
      language: "en",
      parameters: ["Pay rent", "Tue 1 Dec 2026, 09:00 (Europe/Berlin)"],
    });

    expect(result).toEqual({ kind: "sent", providerMessageId: "wamid.stub-1" });
    expect(stub.requests[0]!.body).toEqual({
      messaging_product: "whatsapp",
      recipient_type: "individual",
      to: TO,
      type: "template",
      template: {
        name: "task_reminder",
        language: { code: "en" },
        components: [
          {
            type: "body",
            parameters: [
              { type: "text", text: "Pay rent" },
              { type: "text", text: "Tue 1 Dec 2026, 09:00 (Europe/Berlin)" },
            ],
          },
        ],
      },
    });
  });

  it("429 is retryable, with Retry-After in seconds", async () => {
    stub.reply(replies.tooMany("7"));
    const result = await client().send(TO, { type: "text", body: "x" });
    expect(result).toEqual({
      kind: "retryable",
      retryAfterMs: 7000,
      error: expect.objectContaining({ httpStatus: 429, code: 130429 }),
    });
  });

  it("429 with Retry-After as an HTTP date waits until then", async () => {
    const clock = new ManualClock(new Date("2026-03-01T10:00:00Z"));
    stub.reply(replies.tooMany(new Date("2026-03-01T10:00:30Z").toUTCString()));
    const result = await client({ clock }).send(TO, { type: "text", body: "x" });
    expect(result).toMatchObject({ kind: "retryable", retryAfterMs: 30_000 });
  });

  it("429 without Retry-After leaves the delay to the retry policy", async () => {
    stub.reply(replies.tooMany());
    const result = await client().send(TO, { type: "text", body: "x" });
    expect(result.kind).toBe("retryable");
    expect(result).not.toHaveProperty("retryAfterMs");
  });

  it("5xx is retryable, honouring Retry-After too", async () => {
    stub.reply(replies.serverError(), { status: 503, headers: { "retry-after": "2" }, body: "down" });
    const c = client();
    expect(await c.send(TO, { type: "text", body: "x" })).toEqual({
      kind: "retryable",
      error: expect.objectContaining({ httpStatus: 500, code: 131000 }),
    });
    expect(await c.send(TO, { type: "text", body: "x" })).toEqual({
      kind: "retryable",
      retryAfterMs: 2000,
      error: { httpStatus: 503, message: "HTTP 503 without a Graph API error body" },
    });
  });

  it("other 4xx are permanent, with Meta's error recorded", async () => {
    stub.reply(replies.badRequest(131026, "Message undeliverable"));
    const result = await client().send(TO, { type: "text", body: "x" });
    expect(result).toEqual({
      kind: "permanent",
      error: {
        httpStatus: 400,
        code: 131026,
        subcode: 2494010,
        type: "OAuthException",
        message: "Message undeliverable",
        details: "Unable to deliver the message.",
        fbtraceId: "AbCdEfGhIjK",
      },
    });
  });

  it("a 400 carrying a throttling code (130429, 131056) is retried like a 429", async () => {
    stub.reply(
      { status: 400, body: metaError(130429, "(#130429) Rate limit hit", "throughput reached") },
      { status: 400, body: metaError(131056, "(#131056) Pair rate limit hit", "too many to this number") },
    );
    const c = client();
    expect((await c.send(TO, { type: "text", body: "x" })).kind).toBe("retryable");
    expect((await c.send(TO, { type: "text", body: "x" })).kind).toBe("retryable");
  });

  it("401 with an expired token is permanent; a body that is not Graph's still classifies", async () => {
    stub.reply({ status: 401, body: metaError(190, "Error validating access token", "expired") }, { status: 404, body: "<html>" });
    const c = client();
    expect(await c.send(TO, { type: "text", body: "x" })).toMatchObject({ kind: "permanent", error: { code: 190 } });
    expect(await c.send(TO, { type: "text", body: "x" })).toEqual({
      kind: "permanent",
      error: { httpStatus: 404, message: "HTTP 404 without a Graph API error body" },
    });
  });

  it("a 200 without a message id is not retried (it may have gone out)", async () => {
    stub.reply({ status: 200, body: { messaging_product: "whatsapp" } });
    expect(await client().send(TO, { type: "text", body: "x" })).toMatchObject({
      kind: "permanent",
      error: { code: "NO_MESSAGE_ID" },
    });
  });

  it("a refused connection is retryable, and the error holds no token", async () => {
    const result = await client({ apiUrl: await closedPortUrl() }).send(TO, { type: "text", body: "x" });
    expect(result).toMatchObject({ kind: "retryable", error: { code: "ECONNREFUSED" } });
    expect(JSON.stringify(result)).not.toContain(TOKEN);
  });

  it("no answer within the deadline is a retryable timeout", async () => {
    stub.reply("hang");
    const result = await client({ timeoutMs: 100 }).send(TO, { type: "text", body: "x" });
    expect(result).toEqual({ kind: "retryable", error: { code: "ETIMEDOUT", message: "no answer within the deadline" } });
    expect(stub.requests).toHaveLength(1);
  });
});

describe("parseRetryAfter", () => {
  const now = new Date("2026-03-01T10:00:00Z");
  it.each([
    ["0", 0],
    ["120", 120_000],
    [" 5 ", 5000],
    ["Sun, 01 Mar 2026 10:01:00 GMT", 60_000],
    ["Sun, 01 Mar 2026 09:00:00 GMT", 0],
    ["soon", undefined],
    ["-3", undefined],
    ["", undefined],
    [undefined, undefined],
    [["1", "2"], undefined],
  ])("%j → %j ms", (header, ms) => {
    expect(parseRetryAfter(header, now)).toBe(ms);
  });
});

describe("describeProviderError", () => {
  it("names status, code and details in one line", () => {
    expect(
      describeProviderError({ httpStatus: 400, code: 131026, subcode: 2494010, message: "Message undeliverable", details: "Unable to deliver." }),
    ).toBe("HTTP 400, code 131026/2494010: Message undeliverable (Unable to deliver.)");
    expect(describeProviderError({ code: "ECONNREFUSED", message: "connect ECONNREFUSED 127.0.0.1:1" })).toBe(
      "code ECONNREFUSED: connect ECONNREFUSED 127.0.0.1:1",
    );
  });
});

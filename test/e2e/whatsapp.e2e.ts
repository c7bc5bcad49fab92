import { createHmac, randomInt } from "node:crypto";
import { CloudApiStub, codesSentTo, replies, startCloudApiStub } from "../support/whatsapp-cloud-api-stub";
import { Api, eventually, share, verifyPhone } from "../support/api";
import { RunningStack, startStack } from "../support/stack";

const APP_SECRET = "whatsapp-app-secret-for-tests";
const VERIFY_TOKEN = "verify-me";
const PHONE_NUMBER_ID = "1234567890";

let stub: CloudApiStub;
let stack: RunningStack;
let api: Api;

beforeAll(async () => {
  stub = await startCloudApiStub();
  stack = await startStack(undefined, {
    WHATSAPP_API_URL: stub.url,
    WHATSAPP_TOKEN: "test-access-token",
    WHATSAPP_PHONE_NUMBER_ID: PHONE_NUMBER_ID,
    WHATSAPP_APP_SECRET: APP_SECRET,
    WHATSAPP_VERIFY_TOKEN: VERIFY_TOKEN,
  });
  api = new Api(stack.baseUrl);
}, 60_000);
afterAll(async () => {
  await stack?.stop();
  await stub?.close();
}, 30_000);

const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();
const isCode = (r: { body: unknown }) => /verification code/.test((r.body as { text?: { body?: string } }).text?.body ?? "");
/** Reminders sent to `phone`; verification codes are counted apart. */
const sentTo = (phone: string) => stub.requests.filter((r) => (r.body as { to?: string }).to === phone && !isCode(r));
const newPhone = () => `+49151${randomInt(1_000_000, 9_999_999)}`;

/** A user with a phone they proved theirs (a code sent there, typed back), opted in unless told otherwise. */
async function optedInUser(optIn = true, { verified = true, phone = newPhone() } = {}) {
  const u = await api.newUser({ timezone: "Europe/Berlin" });
  const res = await api.patch("/me", { phone, whatsappOptIn: optIn }, { token: u.accessToken });
  expect(res.status).toBe(200);
  expect(res.body.phoneVerified).toBe(false);
  if (verified) await verifyPhone(api, u.accessToken, () => codesSentTo(stub, phone));
  return { ...u, phone };
}

/** Polls the inbox until the WhatsApp delivery of the newest notification settles. */
async function settledDelivery(token: string, settled = ["sent", "failed", "skipped", "delivered", "read"], title?: string) {
  for (let i = 0; i < 300; i++) {
    const items = (await api.get("/notifications", { token })).body.items;
    const delivery = (title === undefined || items[0]?.title === title) && items[0]?.deliveries.find((d: { channel: string }) => d.channel === "whatsapp");
    if (delivery && settled.includes(delivery.status)) return { notification: items[0], delivery };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("the WhatsApp delivery never settled");
}

function signed(body: unknown) {
  const raw = JSON.stringify(body);
  return { raw, signature: `sha256=${createHmac("sha256", APP_SECRET).update(raw).digest("hex")}` };
}

async function postWebhook(body: unknown, signature?: string) {
  const raw = typeof body === "string" ? body : JSON.stringify(body);
  return fetch(`${stack.baseUrl}/api/v1/webhooks/whatsapp`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(signature ? { "x-hub-signature-256": signature } : {}) },
    body: raw,
  });
}

const statusCallback = (id: string, status: string) => ({
  object: "whatsapp_business_account",
  entry: [{ id: "waba", changes: [{ field: "messages", value: { messaging_product: "whatsapp", metadata: { phone_number_id: PHONE_NUMBER_ID, display_phone_number: "15550000000" }, statuses: [{ id, status, timestamp: String(Math.floor(Date.now() / 1000)), recipient_id: "4915100000" }] } }] }],
});
const inboundText = (from: string, text: string) => ({
  object: "whatsapp_business_account",
  entry: [{ id: "waba", changes: [{ field: "messages", value: { messaging_product: "whatsapp", metadata: { phone_number_id: PHONE_NUMBER_ID, display_phone_number: "15550000000" }, contacts: [{ wa_id: from.slice(1), profile: { name: "Ada" } }], messages: [{ from: from.slice(1), id: `wamid.in-${randomInt(1e9)}`, timestamp: String(Math.floor(Date.now() / 1000)), type: "text", text: { body: text } }] } }] }],
});

test("Meta's handshake answers the challenge only for the right verify token", async () => {
  const ok = await fetch(`${stack.baseUrl}/api/v1/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=1158201444`);
  expect(ok.status).toBe(200);
  expect(await ok.text()).toBe("1158201444");
  const wrong = await fetch(`${stack.baseUrl}/api/v1/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1`);
  expect(wrong.status).toBe(403);
});

test("429 and 500 are retried with backoff; one message reaches the opted-in user", async () => {
  const u = await optedInUser();
  stub.reply(replies.tooMany("1"), replies.serverError());
  const task = await api.post("/tasks", { title: "Pay rent", dueAt: "2026-12-01T08:00:00Z", reminders: [{ at: inSeconds(1), channels: ["whatsapp"] }] }, { token: u.accessToken });
  expect(task.status).toBe(201);
  const { delivery } = await settledDelivery(u.accessToken);
  expect(delivery).toMatchObject({ status: "sent", attempts: 3 });
  const requests = sentTo(u.phone);
  expect(requests).toHaveLength(3);
  expect(requests[0]!.path).toBe(`/v21.0/${PHONE_NUMBER_ID}/messages`);
  expect(requests[0]!.headers.authorization).toBe("Bearer test-access-token");
  expect(requests[2]!.body).toMatchObject({ messaging_product: "whatsapp", to: u.phone, type: "text" });
  expect(JSON.stringify(requests[2]!.body)).toMatch(/Pay rent.*09:00 \(Europe\/Berlin\)/);
});

test("a 400 fails the delivery with the provider's code, without retrying; no opt-in, no message", async () => {
  const u = await optedInUser();
  stub.reply(replies.badRequest(131026, "Message undeliverable"));
  await api.post("/tasks", { title: "Undeliverable", reminders: [{ at: inSeconds(1), channels: ["whatsapp", "sse"] }] }, { token: u.accessToken });
  const { delivery } = await settledDelivery(u.accessToken);
  expect(delivery).toMatchObject({ status: "failed", attempts: 1, lastError: expect.stringContaining("131026") });
  expect(sentTo(u.phone)).toHaveLength(1);

  const shy = await optedInUser(false);
  await api.post("/tasks", { title: "Private", reminders: [{ at: inSeconds(1), channels: ["whatsapp"] }] }, { token: shy.accessToken });
  const skipped = await settledDelivery(shy.accessToken);
  expect(skipped.delivery.status).toBe("skipped");
  expect(sentTo(shy.phone)).toHaveLength(0);
});

test("signed status callbacks move the delivery forward, never back; unsigned ones change nothing", async () => {
  const u = await optedInUser();
  stub.reply(replies.ok("wamid.status-test"));
  await api.post("/tasks", { title: "Status", reminders: [{ at: inSeconds(1), channels: ["whatsapp"] }] }, { token: u.accessToken });
  await settledDelivery(u.accessToken);

  const forged = await postWebhook(statusCallback("wamid.status-test", "read"), "sha256=" + "0".repeat(64));
  expect(forged.status).toBe(401);
  expect((await postWebhook(statusCallback("wamid.status-test", "read"))).status).toBe(401);
  expect((await settledDelivery(u.accessToken)).delivery.status).toBe("sent");

  for (const status of ["delivered", "sent"]) {
    const { raw, signature } = signed(statusCallback("wamid.status-test", status));
    expect((await postWebhook(raw, signature)).status).toBe(200);
  }
  expect((await settledDelivery(u.accessToken)).delivery.status).toBe("delivered");
  const { raw, signature } = signed(statusCallback("wamid.status-test", "read"));
  await postWebhook(raw, signature);
  expect((await settledDelivery(u.accessToken)).delivery.status).toBe("read");
});

test("an inbound `done` completes the task of the sender's latest reminder", async () => {
  const u = await optedInUser();
  const task = await api.post("/tasks", { title: "Take out bins", reminders: [{ at: inSeconds(1), channels: ["whatsapp"] }] }, { token: u.accessToken });
  await settledDelivery(u.accessToken);
  const { raw, signature } = signed(inboundText(u.phone, " Done "));
  expect((await postWebhook(raw, signature)).status).toBe(200);
  const after = await api.get(`/tasks/${task.body.id}`, { token: u.accessToken });
  expect(after.body.status).toBe("done");
});

test("`done` from the assignee of a shared project's task completes it: the reply acts with the member's project rights", async () => {
  const owner = await api.newUser();
  const member = await optedInUser();
  const project = await api.post("/projects", { name: "Flat share" }, { token: owner.accessToken });
  await share(api, owner, project.body.id, member, "editor");
  const task = await api.post(
    "/tasks",
    { title: "Descale the kettle", projectId: project.body.id, assigneeId: member.user.id, reminders: [{ at: inSeconds(1), channels: ["whatsapp"] }] },
    { token: owner.accessToken },
  );
  expect(task.status).toBe(201);
  const { delivery } = await settledDelivery(member.accessToken);
  expect(delivery.status).toBe("sent");

  const { raw, signature } = signed(inboundText(member.phone, "done"));
  expect((await postWebhook(raw, signature)).status).toBe(200);
  const after = await api.get(`/tasks/${task.body.id}`, { token: owner.accessToken });
  expect(after.body.status).toBe("done");
});

test("a number whose owner opted out no longer acts as them", async () => {
  const u = await optedInUser();
  const task = await api.post("/tasks", { title: "Water the ficus", reminders: [{ at: inSeconds(1), channels: ["whatsapp"] }] }, { token: u.accessToken });
  await settledDelivery(u.accessToken);
  expect((await api.patch("/me", { whatsappOptIn: false }, { token: u.accessToken })).status).toBe(200);
  // The opt-out reaches notify as an event; give it the moment a relay turn takes.
  await new Promise((r) => setTimeout(r, 1_500));
  const { raw, signature } = signed(inboundText(u.phone, "done"));
  expect((await postWebhook(raw, signature)).status).toBe(200);
  expect((await api.get(`/tasks/${task.body.id}`, { token: u.accessToken })).body.status).not.toBe("done");
});

describe("phone verification", () => {
  const sendCode = (token: string) => api.post("/me/phone/verification", undefined, { token });
  const confirm = (token: string, code: string) => api.post("/me/phone/verification/confirm", { code }, { token });
  const codeNumber = (phone: string, n: number) => eventually(() => codesSentTo(stub, phone)[n], `code #${n + 1} to ${phone}`);
  const otherThan = (code: string) => (code === "000000" ? "111111" : "000000");

  test("someone else's number sends nothing and takes no reply until its owner verifies it", async () => {
    const owner = await optedInUser();
    const ownersTask = await api.post("/tasks", { title: "Owner's chore", reminders: [{ at: inSeconds(1), channels: ["whatsapp"] }] }, { token: owner.accessToken });
    expect((await settledDelivery(owner.accessToken)).delivery.status).toBe("sent");

    // Mallory types the owner's number into her profile and opts in.
    const mallory = await optedInUser(true, { verified: false, phone: owner.phone });
    const before = stub.requests.length;
    const bait = await api.post("/tasks", { title: "Mallory's bait", reminders: [{ at: inSeconds(1), channels: ["whatsapp"] }] }, { token: mallory.accessToken });
    const { delivery } = await settledDelivery(mallory.accessToken);
    expect(delivery).toMatchObject({ status: "skipped", lastError: "skipped: phone_unverified" });
    expect(stub.requests.slice(before).filter((r) => JSON.stringify(r.body).includes("bait"))).toHaveLength(0);

    // A signed "done" from the number acts for the account that verified it, never the claimer.
    const { raw, signature } = signed(inboundText(owner.phone, "done"));
    expect((await postWebhook(raw, signature)).status).toBe(200);
    expect((await api.get(`/tasks/${bait.body.id}`, { token: mallory.accessToken })).body.status).not.toBe("done");
    expect((await api.get(`/tasks/${ownersTask.body.id}`, { token: owner.accessToken })).body.status).toBe("done");

    // And she cannot verify it: the number is taken.
    expect((await sendCode(mallory.accessToken)).status).toBe(409);
    expect((await api.get("/me", { token: mallory.accessToken })).body).toMatchObject({ phone: owner.phone, phoneVerified: false });
  });

  test("an unverified number of one's own gets nothing until the code sent to it is confirmed", async () => {
    const u = await optedInUser(true, { verified: false });
    const task = await api.post("/tasks", { title: "Before", reminders: [{ at: inSeconds(1), channels: ["whatsapp"] }] }, { token: u.accessToken });
    expect((await settledDelivery(u.accessToken)).delivery.status).toBe("skipped");
    const { raw, signature } = signed(inboundText(u.phone, "done"));
    await postWebhook(raw, signature);
    expect((await api.get(`/tasks/${task.body.id}`, { token: u.accessToken })).body.status).not.toBe("done");

    const sent = await sendCode(u.accessToken);
    expect(sent.status).toBe(202);
    expect(sent.body).toEqual({ phone: u.phone, expiresAt: expect.any(String) });
    const code = await codeNumber(u.phone, 0);
    const confirmed = await confirm(u.accessToken, code);
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ phone: u.phone, phoneVerified: true });
    expect((await api.get("/me", { token: u.accessToken })).body.phoneVerified).toBe(true);

    await api.post("/tasks", { title: "After", reminders: [{ at: inSeconds(1), channels: ["whatsapp"] }] }, { token: u.accessToken });
    expect((await settledDelivery(u.accessToken, undefined, "After")).delivery.status).toBe("sent");
    expect(JSON.stringify(sentTo(u.phone).at(-1)!.body)).toContain("After");

    // Changing the number starts over.
    const moved = await api.patch("/me", { phone: newPhone() }, { token: u.accessToken });
    expect(moved.body.phoneVerified).toBe(false);
  });

  test("a wrong code answers 422; five of them void the code", async () => {
    const u = await optedInUser(true, { verified: false });
    expect((await sendCode(u.accessToken)).status).toBe(202);
    const code = await codeNumber(u.phone, 0);
    for (let i = 0; i < 5; i++) {
      const wrong = await confirm(u.accessToken, otherThan(code));
      expect(wrong.status).toBe(422);
      expect(wrong.headers.get("content-type")).toContain("application/problem+json");
    }
    expect((await confirm(u.accessToken, code)).status).toBe(422);
    expect((await api.get("/me", { token: u.accessToken })).body.phoneVerified).toBe(false);
    expect((await confirm(u.accessToken, "12345")).status).toBe(422);
  });

  test("a second account confirming a number another verified first gets 409", async () => {
    const phone = newPhone();
    const first = await optedInUser(true, { verified: false, phone });
    const second = await optedInUser(true, { verified: false, phone });
    expect((await sendCode(second.accessToken)).status).toBe(202);
    const secondsCode = await codeNumber(phone, 0);
    await verifyPhone(api, first.accessToken, () => codesSentTo(stub, phone));
    const taken = await confirm(second.accessToken, secondsCode);
    expect(taken.status).toBe(409);
    expect(taken.body).toMatchObject({ status: 409, detail: "Another account has verified this phone number" });
  });

  test("the sixth code in an hour answers 429 with Retry-After", async () => {
    const u = await optedInUser(true, { verified: false });
    for (let i = 0; i < 5; i++) expect((await sendCode(u.accessToken)).status).toBe(202);
    const sixth = await sendCode(u.accessToken);
    expect(sixth.status).toBe(429);
    expect(Number(sixth.headers.get("retry-after"))).toBeGreaterThan(3_000);
    expect(sixth.body).toMatchObject({ status: 429 });
    // The five were sent, the sixth was not.
    await codeNumber(u.phone, 4);
    await new Promise((r) => setTimeout(r, 500));
    expect(codesSentTo(stub, u.phone)).toHaveLength(5);
  });
});

import { gzipSync } from "node:zlib";
import jwt from "jsonwebtoken";
import { Api, expectProblem, TestUser } from "../support/api";
import { RunningStack, startStack, TEST_JWT_SECRET } from "../support/stack";

let stack: RunningStack;
let api: Api;
let u: TestUser;
const ADMIN = { email: "hardening-admin@example.com", password: "Vq7#mKw2-plover-Rt9" };

beforeAll(async () => {
  stack = await startStack(undefined, { ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password });
  api = new Api(stack.baseUrl);
  u = await api.newUser();
}, 60_000);
afterAll(() => stack?.stop(), 30_000);

/** Sends raw bytes, which the Api client (strings only) cannot. */
async function sendBytes(method: string, path: string, body: Buffer, headers: Record<string, string>) {
  const res = await fetch(`${stack.baseUrl}/api/v1${path}`, { method, headers: { "content-type": "application/json", ...headers }, body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: res.headers.get("content-type")?.includes("json") && text ? JSON.parse(text) : text };
}

const taskTitles = async (user: TestUser) => ((await api.get("/tasks?limit=200", { token: user.accessToken })).body.items as { title: string }[]).map((t) => t.title).sort();

describe("compressed bodies that do not decode", () => {
  const json = Buffer.from(JSON.stringify({ title: "never stored" }));
  const gzipped = gzipSync(json);
  const cases: [string, Buffer, string][] = [
    ["gzip that is not compressed", json, "gzip"],
    ["deflate that is not compressed", json, "deflate"],
    ["truncated gzip", gzipped.subarray(0, gzipped.length - 12), "gzip"],
  ];

  test.each(cases)("%s answers 400 on every kind of route, the webhook too, and stores nothing", async (_name, body, encoding) => {
    const before = await taskTitles(u);
    const headers = { "content-encoding": encoding, authorization: `Bearer ${u.accessToken}` };
    expectProblem(await sendBytes("POST", "/tasks", body, headers), 400);
    expectProblem(await sendBytes("POST", "/auth/login", body, { "content-encoding": encoding }), 400);
    expectProblem(await sendBytes("POST", "/webhooks/whatsapp", body, { "content-encoding": encoding, "x-hub-signature-256": "sha256=00" }), 400);
    expect(await taskTitles(u)).toEqual(before);
  });

  test("an encoding the server does not know answers 415; a real gzip body works", async () => {
    expectProblem(await sendBytes("POST", "/tasks", json, { "content-encoding": "compress", authorization: `Bearer ${u.accessToken}` }), 415);
    const ok = await sendBytes("POST", "/tasks", gzipSync(Buffer.from(JSON.stringify({ title: "gzipped" }))), {
      "content-encoding": "gzip",
      authorization: `Bearer ${u.accessToken}`,
    });
    expect(ok.status).toBe(201);
  });

  test("a body over 1 MB answers 413", async () => {
    const res = await api.post("/tasks", { title: "big", description: "x".repeat(1_100_000) }, { token: u.accessToken });
    expectProblem(res, 413);
  });
});

describe("strings no store can keep", () => {
  const NUL = "a\u0000b";
  const LONE_HIGH = "x\uD800y";
  const LONE_LOW = "\uDC00z";

  test.each([NUL, LONE_HIGH, LONE_LOW])("%j answers 422 in titles, descriptions, tags, names and changes nothing", async (bad) => {
    const token = u.accessToken;
    const before = await taskTitles(u);
    for (const body of [{ title: bad }, { title: "ok", description: bad }, { title: "ok", tags: [bad] }]) {
      expectProblem(await api.post("/tasks", body, { token }), 422);
    }
    expectProblem(await api.post("/projects", { name: bad }, { token }), 422);
    expectProblem(await api.patch("/me", { name: bad }, { token }), 422);
    expectProblem(await api.post("/auth/register", { email: "nul@example.com", password: `Zq8!${bad}vKw3#pLm` }), 422);
    expect(await taskTitles(u)).toEqual(before);
    expect((await api.get("/me", { token })).body.name).not.toBe(bad);
  });

  test("U+0000 in search and tag query parameters answers 422", async () => {
    expectProblem(await api.get("/tasks?q=a%00b", { token: u.accessToken }), 422);
    expectProblem(await api.get("/tasks?tag=a%00b", { token: u.accessToken }), 422);
  });

  test("a paired surrogate (an emoji) is fine", async () => {
    const res = await api.post("/tasks", { title: "party 🎉", tags: ["🎉"] }, { token: u.accessToken });
    expect(res.status).toBe(201);
    expect(res.body.title).toBe("party 🎉");
  });
});

describe("instants outside the years 0001-9999", () => {
  test.each(["0000-12-31T23:59:59Z", "0001-01-01T00:30:00+01:00", "9999-12-31T23:00:00-05:00", "+010000-01-01T00:00:00Z"])(
    "%s answers 422 on every field and query parameter that takes one",
    async (at) => {
      const token = u.accessToken;
      const before = await taskTitles(u);
      expectProblem(await api.post("/tasks", { title: "t", dueAt: at }, { token }), 422);
      expectProblem(await api.post("/tasks", { title: "t", reminders: [{ at }] }, { token }), 422);
      expectProblem(await api.get(`/tasks?dueFrom=${encodeURIComponent(at)}`, { token }), 422);
      expectProblem(await api.get(`/tasks?dueTo=${encodeURIComponent(at)}`, { token }), 422);
      const rec = { rrule: "FREQ=DAILY", exdates: [at] };
      expectProblem(await api.post("/tasks", { title: "t", dueAt: "2030-01-01T09:00:00Z", recurrence: rec }, { token }), 422);
      expect(await taskTitles(u)).toEqual(before);
    },
  );

  test("a reminder offset that lands past 9999 answers 422; the edges themselves are accepted", async () => {
    const token = u.accessToken;
    const late = await api.post("/tasks", { title: "late", dueAt: "9999-12-01T00:00:00Z", reminders: [{ offset: "P60D" }] }, { token });
    expectProblem(late, 422);
    expect(late.body.errors[0].path).toMatch(/reminders\.0\.offset/);
    const edge = await api.post("/tasks", { title: "edge", dueAt: "9999-12-31T23:59:59Z" }, { token });
    expect(edge.status).toBe(201);
    expectProblem(await api.post(`/tasks/${edge.body.id}/reminders`, { offset: "P1D" }, { token }), 422);
  });

  test("a recurring series ends at the year 9999 instead of producing an occurrence past it", async () => {
    const token = u.accessToken;
    const t = await api.post("/tasks", { title: "last", dueAt: "9999-12-30T09:00:00Z", recurrence: { rrule: "FREQ=DAILY" } }, { token });
    expect(t.status).toBe(201);
    const occ = await api.get(`/tasks/${t.body.id}/occurrences?limit=5`, { token });
    expect(occ.status).toBe(200);
    expect(occ.body.items).toEqual(["9999-12-30T09:00:00.000Z", "9999-12-31T09:00:00.000Z"]);
    const first = await api.post(`/tasks/${t.body.id}/complete`, {}, { token });
    expect(first.status).toBeLessThan(300);
    const second = await api.post(`/tasks/${t.body.id}/complete`, {}, { token });
    expect(second.status).toBeLessThan(300);
    const after = await api.get(`/tasks/${t.body.id}`, { token });
    expect(after.body.status).toBe("done");
  });
});

describe("access tokens", () => {
  const sign = (claims: object, opts: jwt.SignOptions = {}) =>
    jwt.sign(claims, TEST_JWT_SECRET, { algorithm: "HS256", issuer: "todogenie", audience: "todogenie-api", ...opts });

  test("a token whose sub is not a UUID answers 401 with WWW-Authenticate", async () => {
    const res = await api.get("/me", { token: sign({ sub: "not-a-uuid" }, { expiresIn: 60 }) });
    expectProblem(res, 401);
    expect(res.headers.get("www-authenticate")).toBe("Bearer");
  });

  test("a token without exp answers 401, on the API and on the event stream", async () => {
    const forever = sign({ sub: u.user.id });
    expectProblem(await api.get("/me", { token: forever }), 401);
    const stream = await fetch(`${stack.baseUrl}/api/v1/notifications/stream`, { headers: { authorization: `Bearer ${forever}` } });
    expect(stream.status).toBe(401);
    await stream.body?.cancel();
  });

  test("a missing token answers 401 with WWW-Authenticate: Bearer", async () => {
    const res = await api.get("/tasks");
    expectProblem(res, 401);
    expect(res.headers.get("www-authenticate")).toBe("Bearer");
  });
});

test("Last-Event-ID as a header is validated like the query parameter", async () => {
  const headers = { "last-event-id": "not-a-uuid" };
  const res = await api.get("/notifications/stream", { token: u.accessToken, headers });
  expectProblem(res, 422);
  expect(res.body.errors[0].path).toBe("header.Last-Event-ID");
});

test("API answers are neither sniffed nor cached", async () => {
  for (const res of [await api.get("/me", { token: u.accessToken }), await api.get("/tasks/nope", { token: u.accessToken })]) {
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("cache-control")).toBe("no-store");
  }
});

describe("list cursors", () => {
  const forged = [
    "not-a-cursor",
    Buffer.from(JSON.stringify({ createdAt: "2026-01-01T00:00:00Z", id: "x" })).toString("base64url"),
    "00000000-0000-4000-8000-000000000000",
    "eyJ2IjoyfQ.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    "123",
  ];

  test("every list signs its cursors: a forged or altered one answers 422", async () => {
    const other = await api.newUser();
    const admin = (await api.post("/auth/login", ADMIN)).body.accessToken as string;
    const token = u.accessToken;
    for (const name of ["p1", "p2", "p3"]) expect((await api.post("/projects", { name }, { token })).status).toBe(201);
    const page = await api.get("/projects?limit=2", { token });
    expect(page.body.nextCursor).toEqual(expect.any(String));
    expect((await api.get(`/projects?limit=2&cursor=${encodeURIComponent(page.body.nextCursor)}`, { token })).body.items).toHaveLength(1);
    const altered = page.body.nextCursor.slice(0, -2) + (page.body.nextCursor.endsWith("AA") ? "BB" : "AA");
    for (const cursor of [...forged, altered]) {
      const q = `cursor=${encodeURIComponent(cursor)}`;
      expectProblem(await api.get(`/projects?${q}`, { token }), 422);
      expectProblem(await api.get(`/notifications?${q}`, { token }), 422);
      expectProblem(await api.get(`/tasks?${q}`, { token }), 422);
      expectProblem(await api.get(`/admin/users?${q}`, { token: admin }), 422);
    }
    // Another user's valid cursor is not theirs to use.
    expectProblem(await api.get(`/projects?cursor=${encodeURIComponent(page.body.nextCursor)}`, { token: other.accessToken }), 422);
    const users = await api.get("/admin/users?limit=1", { token: admin });
    expect(users.status).toBe(200);
    const next = await api.get(`/admin/users?limit=1&cursor=${encodeURIComponent(users.body.nextCursor)}`, { token: admin });
    expect(next.status).toBe(200);
    expect(next.body.items[0].id).not.toBe(users.body.items[0].id);
  });
});

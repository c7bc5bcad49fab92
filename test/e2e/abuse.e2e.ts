import { Api } from "../support/api";
import { RunningStack, startStack } from "../support/stack";

const ADMIN = { email: "root@example.com", password: "admin-password-123" };

/** Small caps, to reach them in a few requests (notify declares them in deploy/services.ts). */
const STREAMS = 2;
const TICKETS = 3;

let stack: RunningStack;
let api: Api;
let adminToken: string;
const open: AbortController[] = [];

beforeAll(async () => {
  stack = await startStack(undefined, {
    ADMIN_EMAIL: ADMIN.email,
    ADMIN_PASSWORD: ADMIN.password,
    STREAMS_PER_USER: String(STREAMS),
    STREAM_TICKETS_PER_MINUTE: String(TICKETS),
  });
  api = new Api(stack.baseUrl);
  adminToken = (await api.post("/auth/login", ADMIN)).body.accessToken;
}, 60_000);
afterAll(async () => {
  open.forEach((c) => c.abort());
  await stack?.stop();
}, 30_000);

const streamUrl = (query = "") => `${stack.baseUrl}/api/v1/notifications/stream${query}`;
const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A raw stream request: its status, and a promise that settles when the server ends the body. */
async function stream(query: string, token?: string) {
  const controller = new AbortController();
  open.push(controller);
  const res = await fetch(streamUrl(query), { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: controller.signal });
  const ended = (async () => {
    const reader = res.body!.getReader();
    try {
      while (!(await reader.read()).done);
    } catch {
      // aborted by the test
    }
    return Date.now();
  })();
  return { status: res.status, headers: res.headers, ended };
}

test("disabling an account ends its open streams within a second, refuses its tickets and skips its reminders", async () => {
  const mallory = await api.newUser();
  const fireAt = inSeconds(6);
  const reminded = await api.post("/tasks", { title: "Phish", reminders: [{ at: fireAt, channels: ["sse"] }] }, { token: mallory.accessToken });
  expect(reminded.status).toBe(201);
  const held = await api.post("/notifications/ticket", undefined, { token: mallory.accessToken });
  expect(held.status).toBe(201);
  const live = await stream("", mallory.accessToken);
  expect(live.status).toBe(200);

  const disabledAt = Date.now();
  expect((await api.patch(`/admin/users/${mallory.user.id}`, { disabled: true }, { token: adminToken })).status).toBe(200);
  const endedAt = await Promise.race([live.ended, sleep(5_000).then(() => Infinity)]);
  expect(endedAt - disabledAt).toBeLessThan(1_000);

  // The ticket was issued before the account was disabled: refused all the same, and so is the token.
  expect((await stream(`?ticket=${held.body.ticket}`)).status).toBe(401);
  expect((await stream("", mallory.accessToken)).status).toBe(401);

  // Past the reminder's time (with room for a slow relay), then enabled again: nothing was recorded for it.
  await sleep(Math.max(0, Date.parse(fireAt) - Date.now()) + 3_000);
  expect((await api.patch(`/admin/users/${mallory.user.id}`, { disabled: false }, { token: adminToken })).status).toBe(200);
  const again = await api.post("/auth/login", { email: mallory.email, password: mallory.password });
  expect(again.status).toBe(200);
  expect((await api.get("/notifications", { token: again.body.accessToken })).body.items).toEqual([]);
}, 30_000);

test("a user's open streams and stream tickets are capped, each over the cap a 429 with Retry-After", async () => {
  const greedy = await api.newUser();
  for (let i = 0; i < STREAMS; i++) expect((await stream("", greedy.accessToken)).status).toBe(200);
  const over = await stream("", greedy.accessToken);
  // Per notify replica (the suite runs one): behind several, another replica may still take it.
  expect(over.status).toBe(429);
  expect(Number(over.headers.get("retry-after"))).toBeGreaterThan(0);
  // Someone else is not affected.
  expect((await stream("", (await api.newUser()).accessToken)).status).toBe(200);

  for (let i = 0; i < TICKETS; i++) expect((await api.post("/notifications/ticket", undefined, { token: greedy.accessToken })).status).toBe(201);
  const refused = await api.post("/notifications/ticket", undefined, { token: greedy.accessToken });
  expect(refused.status).toBe(429);
  expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
});

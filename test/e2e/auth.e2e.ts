import jwt from "jsonwebtoken";
import { Api, expectProblem } from "../support/api";
import { RunningStack, startStack, TEST_JWT_SECRET } from "../support/stack";

const ADMIN = { email: "root@example.com", password: "admin-password-123" };

let stack: RunningStack;
let api: Api;

beforeAll(async () => {
  stack = await startStack(undefined, { ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password });
  api = new Api(stack.baseUrl);
}, 60_000);
afterAll(() => stack?.stop(), 30_000);

describe("health and contract", () => {
  test("live and ready answer 200", async () => {
    expect((await api.get("/health/live")).status).toBe(200);
    const ready = await api.get("/health/ready");
    expect(ready.status).toBe(200);
    // The process's outboxes too (the auth outbox at least), as on its health port.
    expect(ready.body.checks).toMatchObject({ database: "ok", broker: "ok", outbox: "ok", tasks: "ok", search: "ok", scheduler: "ok", notify: "ok" });
  });

  test("serves an OpenAPI 3.1 document of the routes", async () => {
    const res = await api.get("/openapi.json");
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe("3.1.0");
    expect(Object.keys(res.body.paths)).toEqual(expect.arrayContaining(["/api/v1/tasks", "/api/v1/tasks/{id}", "/api/v1/auth/refresh"]));
    const body = res.body.paths["/api/v1/tasks"].post.requestBody.content["application/json"].schema;
    expect(body).toEqual({ anyOf: [{ $ref: "#/components/schemas/CreateTask" }, { $ref: "#/components/schemas/QuickAddTask" }] }); // a task, or a phrase (quick add)
    expect(res.body.components.schemas.CreateTask).toMatchObject({ additionalProperties: false, required: ["title"] });
    expect(res.body.components.schemas.Task.properties.priority.enum).toEqual(["none", "low", "medium", "high", "urgent"]);
  });

  test("serves Prometheus metrics with request latencies by route", async () => {
    await api.get("/health/live");
    await api.get("/tasks/00000000-0000-4000-8000-000000000000");
    const res = await fetch(`${stack.baseUrl}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/todogenie_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/tasks\/:id",status="401"\} \d+/);
    expect(text).toContain("todogenie_process_cpu_seconds_total");
  });

  test("an unknown route is a problem+json 404", async () => {
    expectProblem(await api.get("/nope"), 404);
  });
});

describe("register and login", () => {
  test("register answers the user and a token pair", async () => {
    const res = await api.post("/auth/register", { email: "New.User@Example.com", password: "Tq4-lantern-Wx8-pebble", timezone: "Europe/Berlin" });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      user: { email: "new.user@example.com", timezone: "Europe/Berlin", roles: ["member"], whatsappOptIn: false },
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
      expiresIn: 900,
    });
    expectProblem(await api.post("/auth/register", { email: "new.user@example.com", password: "Tq4-lantern-Wx8-pebble" }), 409);
  });

  test("bad registrations answer 422 naming the field, and create nothing", async () => {
    const short = await api.post("/auth/register", { email: "short@example.com", password: "123" });
    expectProblem(short, 422);
    expect(short.body.errors[0].path).toBe("body.password");
    const escalation = await api.post("/auth/register", { email: "sneaky@example.com", password: "Tq4-lantern-Wx8-pebble", roles: ["admin"] });
    expectProblem(escalation, 422);
    expect(escalation.body.errors[0].message).toMatch(/roles/);
    expectProblem(await api.post("/auth/register", { email: "tz@example.com", password: "Tq4-lantern-Wx8-pebble", timezone: "Mars/Base" }), 422);
    expectProblem(await api.post("/auth/login", { email: "sneaky@example.com", password: "Tq4-lantern-Wx8-pebble" }), 401);
  });

  test("a common or guessable password answers 422 with the reason, and creates nothing", async () => {
    for (const password of ["0123456789", "password1234", "qwertyuiop"]) {
      const weak = await api.post("/auth/register", { email: "weak@example.com", password });
      expectProblem(weak, 422);
      expect(weak.body.errors[0]).toMatchObject({ path: "body.password", message: expect.stringMatching(/^is too easy to guess/) });
    }
    const own = await api.post("/auth/register", { email: "jane.doe.smith@example.com", password: "jane.doe.smith@example.com" });
    expectProblem(own, 422);
    expectProblem(await api.post("/auth/login", { email: "weak@example.com", password: "0123456789" }), 401);
  });

  test("malformed JSON is a 400 problem, never a 500", async () => {
    expectProblem(await api.request("POST", "/auth/login", undefined, { rawBody: '{"email": ' }), 400);
  });

  test("login answers the same 401 for a wrong password and an unknown email", async () => {
    const u = await api.newUser();
    const ok = await api.post("/auth/login", { email: u.email.toUpperCase(), password: u.password });
    expect(ok.status).toBe(200);
    expect(ok.body.user.id).toBe(u.user.id);
    const wrong = await api.post("/auth/login", { email: u.email, password: "wrong password" });
    const unknown = await api.post("/auth/login", { email: "nobody@example.com", password: "wrong password" });
    expectProblem(wrong, 401);
    expectProblem(unknown, 401);
    expect(wrong.body.detail).toBe(unknown.body.detail);
  });

  test("repeated failed logins for one account are rate limited with Retry-After", async () => {
    const u = await api.newUser();
    const attempts = await Promise.all(Array.from({ length: 11 }, () => api.post("/auth/login", { email: u.email, password: "not the password" })));
    const statuses = attempts.map((r) => r.status).sort();
    expect(statuses).toEqual([...Array(10).fill(401), 429]);
    const limited = attempts.find((r) => r.status === 429)!;
    expectProblem(limited, 429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(0);
    // Another account from the same address is not locked out by it.
    const other = await api.newUser();
    expect((await api.post("/auth/login", { email: other.email, password: other.password })).status).toBe(200);
  }, 60_000);
});

describe("tokens", () => {
  test("refresh rotates; reusing a spent token revokes the whole family", async () => {
    const u = await api.newUser();
    const first = await api.post("/auth/refresh", { refreshToken: u.refreshToken });
    expect(first.status).toBe(200);
    expect(first.body.refreshToken).not.toBe(u.refreshToken);
    expect((await api.get("/me", { token: first.body.accessToken })).status).toBe(200);
    const second = await api.post("/auth/refresh", { refreshToken: first.body.refreshToken });
    expect(second.status).toBe(200);

    // The first token's successor has been used since: this is a replay, grace period or not.
    expectProblem(await api.post("/auth/refresh", { refreshToken: u.refreshToken }), 401);
    // The stolen-token alarm took the legitimate successor down with it.
    expectProblem(await api.post("/auth/refresh", { refreshToken: second.body.refreshToken }), 401);
  });

  test("two tabs refreshing the same token at once both stay signed in, with the same new refresh token", async () => {
    const u = await api.newUser();
    const [a, b] = await Promise.all([api.post("/auth/refresh", { refreshToken: u.refreshToken }), api.post("/auth/refresh", { refreshToken: u.refreshToken })]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.body.refreshToken).toBe(b.body.refreshToken);
    expect((await api.get("/me", { token: b.body.accessToken })).status).toBe(200);
    expect((await api.post("/auth/refresh", { refreshToken: a.body.refreshToken })).status).toBe(200);
  });

  test("logout spends the refresh token", async () => {
    const u = await api.newUser();
    expect((await api.post("/auth/logout", { refreshToken: u.refreshToken })).status).toBe(204);
    expectProblem(await api.post("/auth/refresh", { refreshToken: u.refreshToken }), 401);
  });

  test("missing, expired, tampered, foreign and alg:none tokens answer 401", async () => {
    const u = await api.newUser();
    const claims = { roles: ["member"] };
    const options = { subject: u.user.id, issuer: "todogenie", audience: "todogenie-api" };
    const expired = jwt.sign({ ...claims, exp: Math.floor(Date.now() / 1000) - 60 }, TEST_JWT_SECRET, options);
    const foreign = jwt.sign(claims, "another-secret-that-is-long-enough-0123456789", { ...options, expiresIn: 60 });
    const unsigned = jwt.sign(claims, "", { ...options, algorithm: "none", expiresIn: 60 } as jwt.SignOptions);
    const [head, body, sig] = u.accessToken.split(".");
    const elevated = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body!, "base64url").toString()), roles: ["member", "admin"] })).toString("base64url");
    const tampered = `${head}.${elevated}.${sig}`;
    expectProblem(await api.get("/me"), 401);
    for (const token of [expired, foreign, unsigned, tampered, "not-a-jwt"]) {
      expectProblem(await api.get("/me", { token }), 401);
    }
    expect((await api.get("/me", { token: u.accessToken })).status).toBe(200);
  });
});

describe("profile and administration", () => {
  test("a user edits their profile but never their roles", async () => {
    const u = await api.newUser();
    const res = await api.patch("/me", { name: "Ada", timezone: "America/New_York", phone: "+4915112345678", whatsappOptIn: true, notificationPrefs: { quietHours: { start: "22:00", end: "07:00" } } }, { token: u.accessToken });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: "Ada", timezone: "America/New_York", phone: "+4915112345678", whatsappOptIn: true, notificationPrefs: { sse: true, whatsapp: true, quietHours: { start: "22:00", end: "07:00" } } });
    expectProblem(await api.patch("/me", { roles: ["member", "admin"] }, { token: u.accessToken }), 422);
    expectProblem(await api.patch("/me", { phone: "0151 123" }, { token: u.accessToken }), 422);
    expect((await api.get("/me", { token: u.accessToken })).body.roles).toEqual(["member"]);
  });

  test("members get 403 on admin routes; the boot admin administers users", async () => {
    const member = await api.newUser();
    expectProblem(await api.get("/admin/users", { token: member.accessToken }), 403);
    expectProblem(await api.patch(`/admin/users/${member.user.id}`, { roles: ["member", "admin"] }, { token: member.accessToken }), 403);

    const admin = await api.post("/auth/login", ADMIN);
    expect(admin.status).toBe(200);
    expect(admin.body.user.roles).toEqual(["member", "admin"]);
    const token = admin.body.accessToken;
    const page = await api.get("/admin/users?limit=1", { token });
    expect(page.status).toBe(200);
    expect(page.body.items).toHaveLength(1);
    expect(page.body.nextCursor).toEqual(expect.any(String));
    const next = await api.get(`/admin/users?limit=1&cursor=${page.body.nextCursor}`, { token });
    expect(next.body.items[0].id).not.toBe(page.body.items[0].id);

    const disabled = await api.patch(`/admin/users/${member.user.id}`, { disabled: true }, { token });
    expect(disabled.status).toBe(200);
    expect(disabled.body.disabled).toBe(true);
    expectProblem(await api.get("/me", { token: member.accessToken }), 401);
    expectProblem(await api.post("/auth/refresh", { refreshToken: member.refreshToken }), 401);
    expectProblem(await api.post("/auth/login", { email: member.email, password: member.password }), 401);
  });
});

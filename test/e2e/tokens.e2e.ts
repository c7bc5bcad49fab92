import { Api, expectProblem, share } from "../support/api";
import { DISTRIBUTED_PROCESSES, distributedProcessEnv, RunningStack, startProcess, startStack, stopProcess, type StartedProcess } from "../support/stack";

const ADMIN = { email: "root@example.com", password: "admin-password-123" };

let stack: RunningStack;
let api: Api;
let admin: { accessToken: string };

beforeAll(async () => {
  stack = await startStack(undefined, { ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password });
  api = new Api(stack.baseUrl);
  admin = (await api.post("/auth/login", ADMIN)).body;
}, 90_000);
afterAll(() => stack?.stop(), 30_000);

type Person = Awaited<ReturnType<Api["newUser"]>>;
const mint = async (who: Person, scopes: string[], extra: Record<string, unknown> = {}) => {
  const res = await api.post("/me/tokens", { name: "script", scopes, ...extra }, { token: who.accessToken });
  expect(res.status).toBe(201);
  return res.body as { id: string; token: string; scopes: string[] };
};

describe("managing tokens", () => {
  test("created once with its secret, listed without it, revoked at once", async () => {
    const alice = await api.newUser();
    const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
    const created = await api.post("/me/tokens", { name: "backup script", scopes: ["tasks:read"], expiresAt }, { token: alice.accessToken });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: expect.any(String), name: "backup script", scopes: ["tasks:read"], expiresAt, createdAt: expect.any(String), token: expect.stringMatching(/^tg_pat_/) });
    const token = created.body.token;
    expect((await api.get("/tasks", { token })).status).toBe(200);

    const listed = await api.get("/me/tokens", { token: alice.accessToken });
    expect(listed.status).toBe(200);
    expect(listed.body.items).toEqual([{ id: created.body.id, name: "backup script", scopes: ["tasks:read"], expiresAt, lastUsedAt: listed.body.items[0]?.lastUsedAt, createdAt: created.body.createdAt }]);
    expect(Object.keys(listed.body.items[0])).toContain("lastUsedAt");
    // lastUsedAt is written after the answer, not before it.
    for (let i = 0; i < 100 && (await api.get("/me/tokens", { token: alice.accessToken })).body.items[0].lastUsedAt === null; i++) await new Promise((r) => setTimeout(r, 50));
    expect((await api.get("/me/tokens", { token: alice.accessToken })).body.items[0].lastUsedAt).toEqual(expect.any(String));
    expect(JSON.stringify(listed.body)).not.toContain(token);

    expect((await api.delete(`/me/tokens/${created.body.id}`, { token: alice.accessToken })).status).toBe(204);
    expectProblem(await api.get("/tasks", { token }), 401);
    expect((await api.get("/me/tokens", { token: alice.accessToken })).body.items).toEqual([]);
  });

  test("hostile input answers 422 and creates nothing", async () => {
    const bob = await api.newUser();
    const bad = [
      { name: "x", scopes: ["admin"] },
      { name: "x", scopes: [] },
      { name: "", scopes: ["tasks:read"] },
      { name: "x".repeat(101), scopes: ["tasks:read"] },
      { name: "x", scopes: ["tasks:read"], expiresAt: "2020-01-01T00:00:00Z" },
      { name: "x", scopes: ["tasks:read"], expiresAt: "tomorrow" },
      { name: "x", scopes: ["tasks:read"], roles: ["admin"] },
      { name: "x\u0000", scopes: ["tasks:read"] },
    ];
    for (const body of bad) expectProblem(await api.post("/me/tokens", body, { token: bob.accessToken }), 422);
    expectProblem(await api.delete("/me/tokens/not-a-uuid", { token: bob.accessToken }), 422);
    expect((await api.get("/me/tokens", { token: bob.accessToken })).body.items).toEqual([]);
    expectProblem(await api.post("/me/tokens", { name: "x", scopes: ["tasks:read"] }), 401);
  });

  test("another user's token cannot be seen or revoked (404), and keeps working", async () => {
    const [alice, mallory] = [await api.newUser(), await api.newUser()];
    const { id, token } = await mint(alice, ["tasks:read"]);
    expectProblem(await api.delete(`/me/tokens/${id}`, { token: mallory.accessToken }), 404);
    expect((await api.get("/me/tokens", { token: mallory.accessToken })).body.items).toEqual([]);
    expect((await api.get("/tasks", { token })).status).toBe(200);
  });

  test("admins list and revoke anyone's tokens; members get 403", async () => {
    const alice = await api.newUser();
    const { id, token } = await mint(alice, ["tasks:read"]);
    expectProblem(await api.get("/admin/tokens", { token: alice.accessToken }), 403);
    expectProblem(await api.delete(`/admin/tokens/${id}`, { token: alice.accessToken }), 403);
    const seen: any[] = [];
    for (let cursor: string | undefined; ; ) {
      const page = await api.get(`/admin/tokens?limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`, { token: admin.accessToken });
      expect(page.status).toBe(200);
      seen.push(...page.body.items);
      if (!page.body.nextCursor) break;
      cursor = page.body.nextCursor;
    }
    expect(seen).toContainEqual(expect.objectContaining({ id, userId: alice.user.id }));
    expect(JSON.stringify(seen)).not.toContain(token);
    expectProblem(await api.get("/admin/tokens?cursor=forged.cursor", { token: admin.accessToken }), 422);
    expect((await api.delete(`/admin/tokens/${id}`, { token: admin.accessToken })).status).toBe(204);
    expectProblem(await api.get("/tasks", { token }), 401);
    expectProblem(await api.delete(`/admin/tokens/${id}`, { token: admin.accessToken }), 404);
  });
});

describe("using a token", () => {
  test("a route outside its scopes answers 403 problem+json; :write includes :read", async () => {
    const alice = await api.newUser();
    const reader = (await mint(alice, ["tasks:read"])).token;
    const writer = (await mint(alice, ["tasks:write"])).token;
    const notifications = (await mint(alice, ["notifications:read"])).token;
    expectProblem(await api.post("/tasks", { title: "from a read token" }, { token: reader }), 403);
    const made = await api.post("/tasks", { title: "from a write token" }, { token: writer });
    expect(made.status).toBe(201);
    expect((await api.get(`/tasks/${made.body.id}`, { token: reader })).status).toBe(200);
    expect((await api.get(`/tasks/${made.body.id}`, { token: writer })).status).toBe(200);
    expectProblem(await api.patch(`/tasks/${made.body.id}`, { title: "x" }, { token: reader }), 403);
    expectProblem(await api.get("/projects", { token: reader }), 403);
    expectProblem(await api.get("/tasks", { token: notifications }), 403);
    expect((await api.get("/notifications", { token: notifications })).status).toBe(200);
  });

  test("account and admin routes are beyond every token, whatever its scopes or its user's role", async () => {
    const all = ["tasks:read", "tasks:write", "projects:read", "projects:write", "comments:read", "comments:write", "notifications:read", "webhooks:write"];
    const alice = await api.newUser();
    const token = (await mint(alice, all)).token;
    const adminToken = (await api.post("/me/tokens", { name: "ops", scopes: all }, { token: admin.accessToken })).body.token;
    for (const t of [token, adminToken]) {
      expectProblem(await api.get("/me", { token: t }), 403);
      expectProblem(await api.patch("/me", { name: "renamed" }, { token: t }), 403);
      expectProblem(await api.post("/me/tokens", { name: "more", scopes: all }, { token: t }), 403);
      expectProblem(await api.get("/me/tokens", { token: t }), 403);
      expectProblem(await api.get("/admin/users", { token: t }), 403);
      expectProblem(await api.get("/admin/tokens", { token: t }), 403);
    }
  });

  test("a token does no more than its user may: another user's task is 404, a viewer cannot write", async () => {
    const [owner, viewer] = [await api.newUser(), await api.newUser()];
    const project = await api.post("/projects", { name: "shared" }, { token: owner.accessToken });
    await share(api, owner, project.body.id, viewer, "viewer");
    const task = await api.post("/tasks", { title: "owner's", projectId: project.body.id }, { token: owner.accessToken });
    const privateTask = await api.post("/tasks", { title: "private" }, { token: owner.accessToken });
    const token = (await mint(viewer, ["tasks:write", "projects:write"])).token;
    expect((await api.get(`/tasks/${task.body.id}`, { token })).status).toBe(200);
    expectProblem(await api.get(`/tasks/${privateTask.body.id}`, { token }), 404);
    expect((await api.patch(`/tasks/${task.body.id}`, { title: "vandalised" }, { token })).status).toBeGreaterThanOrEqual(403);
    expect((await api.get(`/tasks/${task.body.id}`, { token: owner.accessToken })).body.title).toBe("owner's");
  });

  test("unknown, malformed and expired-looking tokens answer 401", async () => {
    for (const t of ["tg_pat_", "tg_pat_" + "A".repeat(43), "tg_pat_" + "!".repeat(43), "tg_pat_x' or 1=1 --"]) {
      expectProblem(await api.get("/tasks", { token: t }), 401);
    }
  });

  test("a disabled user's tokens stop working", async () => {
    const alice = await api.newUser();
    const { token } = await mint(alice, ["tasks:read"]);
    expect((await api.patch(`/admin/users/${alice.user.id}`, { disabled: true }, { token: admin.accessToken })).status).toBe(200);
    // The user cache trusts a lookup for a second at most.
    await new Promise((r) => setTimeout(r, 1_100));
    expectProblem(await api.get("/tasks", { token }), 401);
  });
});

const distributedOnly = process.env.E2E_MODE === "distributed" ? describe : describe.skip;

distributedOnly("with two gateway replicas", () => {
  let second: StartedProcess | undefined;
  afterAll(async () => {
    if (second) await stopProcess(second.child);
  }, 30_000);

  test("a token revoked through one gateway is refused by the other on the very next request", async () => {
    const spec = DISTRIBUTED_PROCESSES.find((p) => p.name === "gateway")!;
    second = startProcess(distributedProcessEnv(spec, stack.env), "gateway-2");
    const other = new Api((await second.ready).url!);
    const alice = await api.newUser();
    const { id, token } = await mint(alice, ["tasks:read"]);
    expect((await other.get("/tasks", { token })).status).toBe(200);
    expect((await api.get("/tasks", { token })).status).toBe(200);
    expect((await api.delete(`/me/tokens/${id}`, { token: alice.accessToken })).status).toBe(204);
    expectProblem(await other.get("/tasks", { token }), 401);
  }, 60_000);
});

import { Api, expectProblem, share } from "../support/api";
import { RunningStack, startWithUsers } from "../support/stack";

let stack: RunningStack;
let api: Api;
let alice: Awaited<ReturnType<Api["newUser"]>>;
let bob: Awaited<ReturnType<Api["newUser"]>>;

beforeAll(async () => {
  const started = await startWithUsers(2);
  ({ stack, api } = started);
  [alice, bob] = started.users as [typeof alice, typeof bob];
}, 90_000);
afterAll(() => stack?.stop(), 30_000);

/** Follows nextToken while hasMore, as a client does. */
async function syncAll(token: string, since?: string, limit = 2) {
  const tasks: any[] = [];
  const projects: any[] = [];
  const deleted: any[] = [];
  let next = since;
  for (;;) {
    const res = await api.get(`/sync?limit=${limit}${next ? `&since=${encodeURIComponent(next)}` : ""}`, { token });
    expect(res.status).toBe(200);
    tasks.push(...res.body.tasks);
    projects.push(...res.body.projects);
    deleted.push(...res.body.deleted);
    next = res.body.nextToken;
    if (!res.body.hasMore) break;
  }
  return { tasks, projects, deleted, token: next! };
}

test("a full sync, then only changes: updates, deletions, a project joined and left", async () => {
  const made: any[] = [];
  for (const title of ["one", "two", "three"]) made.push((await api.post("/tasks", { title }, { token: alice.accessToken })).body);
  const full = await syncAll(alice.accessToken);
  expect(full.tasks.map((t) => t.id).sort()).toEqual(made.map((t) => t.id).sort());
  expect(full.tasks[0]).toMatchObject({ title: expect.any(String), version: 1 });

  await api.patch(`/tasks/${made[0].id}`, { title: "uno" }, { token: alice.accessToken });
  await api.delete(`/tasks/${made[1].id}`, { token: alice.accessToken });
  const project = (await api.post("/projects", { name: "Shared" }, { token: bob.accessToken })).body;
  const shared = (await api.post("/tasks", { title: "bob's", projectId: project.id }, { token: bob.accessToken })).body;
  await share(api, bob, project.id, alice, "viewer");
  const delta = await syncAll(alice.accessToken, full.token);
  expect(delta.tasks.map((t) => t.id).sort()).toEqual([made[0].id, shared.id].sort());
  expect(delta.tasks.find((t) => t.id === made[0].id).title).toBe("uno");
  expect(delta.projects).toEqual([expect.objectContaining({ id: project.id, role: "viewer" })]);
  expect(delta.deleted).toEqual([{ kind: "task", id: made[1].id }]);

  expect((await api.delete(`/projects/${project.id}/members/${alice.user.id}`, { token: alice.accessToken })).status).toBe(204);
  const left = await syncAll(alice.accessToken, delta.token);
  expect(left.tasks).toEqual([]);
  expect(left.deleted).toEqual(expect.arrayContaining([{ kind: "project", id: project.id }, { kind: "task", id: shared.id }]));
}, 60_000);

test("tokens are signed for their user; bad input answers 422; a token needs tasks:read", async () => {
  const { token } = await syncAll(alice.accessToken);
  expectProblem(await api.get(`/sync?since=${encodeURIComponent(token)}`, { token: bob.accessToken }), 422);
  expectProblem(await api.get(`/sync?since=${encodeURIComponent(token.slice(0, -3))}abc`, { token: alice.accessToken }), 422);
  for (const q of ["limit=0", "limit=100000", "limit=x", "since=", "other=1"]) expectProblem(await api.get(`/sync?${q}`, { token: alice.accessToken }), 422);
  expectProblem(await api.get("/sync"), 401);
  const mint = async (scopes: string[]) => (await api.post("/me/tokens", { name: "sync", scopes }, { token: alice.accessToken })).body.token;
  expectProblem(await api.get("/sync", { token: await mint(["projects:read"]) }), 403);
  expect((await api.get("/sync", { token: await mint(["tasks:read"]) })).status).toBe(200);
});

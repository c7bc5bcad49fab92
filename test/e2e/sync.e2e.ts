import { expectProblem, share } from "../support/api";
import { useStackWithUsers } from "../support/stack";

const fx = useStackWithUsers(2);

/** Follows nextToken while hasMore, as a client does. */
async function syncAll(token: string, since?: string, limit = 2) {
  const tasks: any[] = [];
  const projects: any[] = [];
  const deleted: any[] = [];
  let next = since;
  for (;;) {
    const res = await fx.api.get(`/sync?limit=${limit}${next ? `&since=${encodeURIComponent(next)}` : ""}`, { token });
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
  for (const title of ["one", "two", "three"]) made.push((await fx.api.post("/tasks", { title }, { token: fx.users[0]!.accessToken })).body);
  const full = await syncAll(fx.users[0]!.accessToken);
  expect(full.tasks.map((t) => t.id).sort()).toEqual(made.map((t) => t.id).sort());
  expect(full.tasks[0]).toMatchObject({ title: expect.any(String), version: 1 });

  await fx.api.patch(`/tasks/${made[0].id}`, { title: "uno" }, { token: fx.users[0]!.accessToken });
  await fx.api.delete(`/tasks/${made[1].id}`, { token: fx.users[0]!.accessToken });
  const project = (await fx.api.post("/projects", { name: "Shared" }, { token: fx.users[1]!.accessToken })).body;
  const shared = (await fx.api.post("/tasks", { title: "fx.users[1]!'s", projectId: project.id }, { token: fx.users[1]!.accessToken })).body;
  await share(fx.api, fx.users[1]!, project.id, fx.users[0]!, "viewer");
  const delta = await syncAll(fx.users[0]!.accessToken, full.token);
  expect(delta.tasks.map((t) => t.id).sort()).toEqual([made[0].id, shared.id].sort());
  expect(delta.tasks.find((t) => t.id === made[0].id).title).toBe("uno");
  expect(delta.projects).toEqual([expect.objectContaining({ id: project.id, role: "viewer" })]);
  expect(delta.deleted).toEqual([{ kind: "task", id: made[1].id }]);

  expect((await fx.api.delete(`/projects/${project.id}/members/${fx.users[0]!.user.id}`, { token: fx.users[0]!.accessToken })).status).toBe(204);
  const left = await syncAll(fx.users[0]!.accessToken, delta.token);
  expect(left.tasks).toEqual([]);
  expect(left.deleted).toEqual(expect.arrayContaining([{ kind: "project", id: project.id }, { kind: "task", id: shared.id }]));
}, 60_000);

test("tokens are signed for their user; bad input answers 422; a token needs tasks:read", async () => {
  const { token } = await syncAll(fx.users[0]!.accessToken);
  expectProblem(await fx.api.get(`/sync?since=${encodeURIComponent(token)}`, { token: fx.users[1]!.accessToken }), 422);
  expectProblem(await fx.api.get(`/sync?since=${encodeURIComponent(token.slice(0, -3))}abc`, { token: fx.users[0]!.accessToken }), 422);
  for (const q of ["limit=0", "limit=100000", "limit=x", "since=", "other=1"]) expectProblem(await fx.api.get(`/sync?${q}`, { token: fx.users[0]!.accessToken }), 422);
  expectProblem(await fx.api.get("/sync"), 401);
  const mint = async (scopes: string[]) => (await fx.api.post("/me/tokens", { name: "sync", scopes }, { token: fx.users[0]!.accessToken })).body.token;
  expectProblem(await fx.api.get("/sync", { token: await mint(["projects:read"]) }), 403);
  expect((await fx.api.get("/sync", { token: await mint(["tasks:read"]) })).status).toBe(200);
});

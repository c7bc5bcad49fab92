import { expectProblem, share } from "../support/api";
import { useStackWithUsers } from "../support/stack";

const fx = useStackWithUsers(2);

/** Polls an HTTP read until `done` holds: the erasure travels as a durable event. */
async function until(read: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await read())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test("DELETE /me erases the account, its tokens, its tasks and projects everywhere; a wrong password changes nothing", async () => {
  const [alice, bob] = [fx.users[0]!, fx.users[1]!];
  const api = fx.api;
  const as = (who: { accessToken: string }) => ({ token: who.accessToken });
  const mine = (await api.post("/tasks", { title: "alice private zebra" }, as(alice))).body;
  const hers = (await api.post("/projects", { name: "Alice's" }, as(alice))).body;
  await share(api, alice, hers.id, bob, "editor");
  const bobsInHers = (await api.post("/tasks", { title: "bob's in alice's", projectId: hers.id }, as(bob))).body;
  const bobs = (await api.post("/projects", { name: "Bob's" }, as(bob))).body;
  await share(api, bob, bobs.id, alice, "editor");
  const assigned = (await api.post("/tasks", { title: "for alice", projectId: bobs.id, assigneeId: alice.user.id }, as(bob))).body;
  const pat = (await api.post("/me/tokens", { name: "x", scopes: ["tasks:read"] }, as(alice))).body.token;

  expectProblem(await api.request("DELETE", "/me", { password: "not her password" }, as(alice)), 403);
  expectProblem(await api.request("DELETE", "/me", { password: alice.password }, { token: pat }), 403);
  expectProblem(await api.request("DELETE", "/me", {}, as(alice)), 422);
  expect((await api.get(`/tasks/${mine.id}`, as(alice))).status).toBe(200);

  expect((await api.request("DELETE", "/me", { password: alice.password }, as(alice))).status).toBe(204);
  expectProblem(await api.get("/me", as(alice)), 401);
  expectProblem(await api.get("/tasks", { token: pat }), 401);
  expectProblem(await api.post("/auth/login", { email: alice.email, password: alice.password }), 401);
  expectProblem(await api.post("/auth/refresh", { refreshToken: alice.refreshToken }), 401);

  await until(async () => (await api.get(`/projects/${hers.id}`, as(bob))).status === 404, "alice's project to go");
  expectProblem(await api.get(`/tasks/${bobsInHers.id}`, as(bob)), 404);
  await until(async () => (await api.get(`/tasks/${assigned.id}`, as(bob))).body.assigneeId === null, "alice's assignment to end");
  expect((await api.get(`/projects/${bobs.id}/members`, as(bob))).body.items).not.toContainEqual(expect.objectContaining({ userId: alice.user.id }));
}, 60_000);

test("DELETE /me erases the person's comments on others' tasks and their name from others' history", async () => {
  const api = fx.api;
  const [carol, dave] = [await api.newUser(), await api.newUser()];
  const as = (who: { accessToken: string }) => ({ token: who.accessToken });
  const project = (await api.post("/projects", { name: "Dave's" }, as(dave))).body;
  await share(api, dave, project.id, carol, "editor");
  const task = (await api.post("/tasks", { title: "talked about", projectId: project.id }, as(dave))).body;
  expect((await api.patch(`/tasks/${task.id}`, { priority: "high" }, as(carol))).status).toBe(200);
  const said = (await api.post(`/tasks/${task.id}/comments`, { text: "carol was here" }, as(carol))).body;
  const reply = (await api.post(`/tasks/${task.id}/comments`, { text: "thanks" }, as(dave))).body;

  expect((await api.request("DELETE", "/me", { password: carol.password }, as(carol))).status).toBe(204);

  await until(async () => !(await api.get(`/tasks/${task.id}/comments`, as(dave))).body.items.some((c: any) => c.id === said.id), "carol's comment to go");
  expect((await api.get(`/tasks/${task.id}/comments`, as(dave))).body.items.map((c: any) => c.id)).toEqual([reply.id]);
  const history = (await api.get(`/tasks/${task.id}/history`, as(dave))).body.items;
  expect(history.length).toBeGreaterThan(1);
  expect(JSON.stringify(history)).not.toContain(carol.user.id);
  expect(JSON.stringify(history)).not.toContain("carol was here");
  expect(history).toContainEqual(expect.objectContaining({ actorId: null, action: expect.any(String) }));
}, 60_000);

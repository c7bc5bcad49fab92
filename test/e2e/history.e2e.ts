import { expectProblem, share } from "../support/api";
import { useStackWithUsers } from "../support/stack";

const fx = useStackWithUsers(3);

const as = (u: { accessToken: string }) => ({ token: u.accessToken });

test("a task's history: each change with who and each field from → to, newest first, cursor pages; readers only", async () => {
  const { api, users: [alice, bob, carol] } = fx;
  const project = (await api.post("/projects", { name: "Garden" }, as(alice))).body;
  await share(api, alice, project.id, bob, "editor");
  const task = (await api.post("/tasks", { title: "Dig", projectId: project.id }, as(alice))).body;
  await api.patch(`/tasks/${task.id}`, { title: "Dig beds", dueAt: "2026-12-01T09:00:00Z" }, as(bob));
  await api.post(`/tasks/${task.id}/complete`, {}, as(bob));
  const res = await api.get(`/tasks/${task.id}/history`, as(alice));
  expect(res.status).toBe(200);
  expect(res.body.items.map((i: { action: string; actorId: string }) => [i.action, i.actorId])).toEqual([
    ["completed", bob.user.id],
    ["updated", bob.user.id],
    ["created", alice.user.id],
  ]);
  expect(res.body.items[1].changes).toEqual([
    { field: "title", from: "Dig", to: "Dig beds" },
    { field: "dueAt", from: null, to: "2026-12-01T09:00:00.000Z" },
  ]);
  const first = await api.get(`/tasks/${task.id}/history?limit=2`, as(bob));
  const second = await api.get(`/tasks/${task.id}/history?limit=2&cursor=${first.body.nextCursor}`, as(bob));
  expect([...first.body.items, ...second.body.items].map((i: { id: string }) => i.id)).toEqual(res.body.items.map((i: { id: string }) => i.id));
  expectProblem(await api.get(`/tasks/${task.id}/history?limit=2&cursor=${first.body.nextCursor}`, as(alice)), 422);
  expectProblem(await api.get(`/tasks/${task.id}/history`, as(carol)), 404);
  expectProblem(await api.get(`/tasks/${task.id}/history?limit=0`, as(alice)), 422);

  const projectHistory = await api.get(`/projects/${project.id}/history`, as(bob));
  expect(projectHistory.body.items.map((i: { action: string }) => i.action)).toEqual(["completed", "updated", "created", "member.added", "member.added"]);
  expectProblem(await api.get(`/projects/${project.id}/history`, as(carol)), 404);
});

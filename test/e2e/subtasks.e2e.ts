import { Api, expectProblem, share, TestUser } from "../support/api";
import { useStackWithUsers } from "../support/stack";

const fx = useStackWithUsers(2);
let api: Api;
let alice: TestUser;
let bob: TestUser;
beforeAll(() => {
  ({ api, users: [alice, bob] } = fx);
});

const as = (u: { accessToken: string }) => ({ token: u.accessToken });

async function create(body: Record<string, unknown>, user = alice) {
  const res = await api.post("/tasks", body, as(user));
  expect(res.status).toBe(201);
  return res.body;
}
const ids = (res: { body: { items: { id: string }[] } }) => res.body.items.map((t) => t.id);

test("subtasks: parent, position and progress; children and top-level lists", async () => {
  const parent = await create({ title: "Launch" });
  expect(parent).toMatchObject({ parentId: null, position: 0, progress: { done: 0, total: 0 } });
  const a = await create({ title: "Write post", parentId: parent.id });
  const b = await create({ title: "Record demo", parentId: parent.id });
  expect([a.position, b.position]).toEqual([0, 1]);
  await api.patch(`/tasks/${a.id}`, { status: "done" }, as(alice));
  const got = await api.get(`/tasks/${parent.id}`, as(alice));
  expect(got.body.progress).toEqual({ done: 1, total: 2 });
  expect(ids(await api.get(`/tasks?parentId=${parent.id}`, as(alice)))).toEqual([a.id, b.id]);
  expect(ids(await api.get(`/tasks?parentId=${parent.id}&status=todo`, as(alice)))).toEqual([b.id]);
  const top = ids(await api.get(`/tasks?topLevel=true&limit=200`, as(alice)));
  expect(top).toContain(parent.id);
  expect(top).not.toContain(a.id);
  // Others see nothing of it, not even through the children list.
  expect((await api.get(`/tasks?parentId=${parent.id}`, as(bob))).body.items).toEqual([]);
  expectProblem(await api.post("/tasks", { title: "x", parentId: parent.id }, as(bob)), 422);
  expectProblem(await api.get(`/tasks?parentId=${parent.id}&q=post&sort=position`, as(alice)), 422);
  expectProblem(await api.get(`/tasks?parentId=nope`, as(alice)), 422);
  expectProblem(await api.patch(`/tasks/${parent.id}`, { parentId: a.id }, as(alice)), 422);
});

test("completing a parent with open subtasks: 409 without a choice or with refuse, complete completes them", async () => {
  const parent = await create({ title: "Trip" });
  const child = await create({ title: "Tickets", parentId: parent.id });
  expectProblem(await api.post(`/tasks/${parent.id}/complete`, {}, as(alice)), 409);
  expectProblem(await api.post(`/tasks/${parent.id}/complete`, { children: "refuse" }, as(alice)), 409);
  expectProblem(await api.post(`/tasks/${parent.id}/complete`, { children: "maybe" }, as(alice)), 422);
  const res = await api.post(`/tasks/${parent.id}/complete`, { children: "complete" }, as(alice));
  expect(res.status).toBe(200);
  expect(res.body.task).toMatchObject({ status: "done", progress: { done: 1, total: 1 } });
  expect((await api.get(`/tasks/${child.id}`, as(alice))).body.status).toBe("done");
});

test("deleting a parent: 409 without children=delete, then the whole subtree goes", async () => {
  const parent = await create({ title: "Party" });
  const child = await create({ title: "Cake", parentId: parent.id });
  const grandchild = await create({ title: "Candles", parentId: child.id });
  expectProblem(await api.delete(`/tasks/${parent.id}`, as(alice)), 409);
  expectProblem(await api.delete(`/tasks/${parent.id}?children=all`, as(alice)), 422);
  expect((await api.delete(`/tasks/${parent.id}?children=delete`, as(alice))).status).toBe(204);
  for (const id of [parent.id, child.id, grandchild.id]) expect((await api.get(`/tasks/${id}`, as(alice))).status).toBe(404);
});

test("moving a parent into a project moves its subtree; a subtask alone cannot leave its parent's project", async () => {
  const project = (await api.post("/projects", { name: "Garden" }, as(alice))).body;
  await share(api, alice, project.id, bob, "viewer");
  const parent = await create({ title: "Beds" });
  const child = await create({ title: "Soil", parentId: parent.id });
  expectProblem(await api.patch(`/tasks/${child.id}`, { projectId: project.id }, as(alice)), 422);
  expect((await api.patch(`/tasks/${parent.id}`, { projectId: project.id }, as(alice))).status).toBe(200);
  expect((await api.get(`/tasks/${child.id}`, as(bob))).body).toMatchObject({ projectId: project.id, parentId: parent.id });
  // A viewer sees the subtree but adds nothing to it.
  expectProblem(await api.post("/tasks", { title: "x", parentId: parent.id }, as(bob)), 403);
});

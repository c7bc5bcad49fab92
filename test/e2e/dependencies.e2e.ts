import { Api, expectProblem, pollUntil, share, TestUser } from "../support/api";
import { useStackWithUsers } from "../support/stack";

const fx = useStackWithUsers(3);
let api: Api;
let alice: TestUser;
let bob: TestUser;
let carol: TestUser;
beforeAll(() => {
  ({ api, users: [alice, bob, carol] } = fx);
});

const as = (u: { accessToken: string }) => ({ token: u.accessToken });
async function create(body: Record<string, unknown>, user = alice) {
  const res = await api.post("/tasks", body, as(user));
  expect(res.status).toBe(201);
  return res.body;
}

test("blockedBy across the caller's projects: blocked until the last blocker is done, then the assignee is notified", async () => {
  const project = (await api.post("/projects", { name: "Release" }, as(alice))).body;
  await share(api, alice, project.id, bob, "editor");
  const build = await create({ title: "Build", projectId: project.id });
  const docs = await create({ title: "Docs" });
  const ship = await create({ title: "Ship", projectId: project.id, assigneeId: bob.user.id });
  const patched = await api.patch(`/tasks/${ship.id}`, { blockedBy: [build.id, docs.id] }, as(alice));
  expect(patched.status).toBe(200);
  expect(patched.body).toMatchObject({ blocked: true, blockedBy: [build.id, docs.id] });
  expect((await api.get("/tasks?blocked=true", as(alice))).body.items.map((t: { id: string }) => t.id)).toEqual([ship.id]);
  expect((await api.get("/tasks?blocked=false", as(bob))).body.items.map((t: { id: string }) => t.id)).toEqual([build.id]);

  expect((await api.post(`/tasks/${build.id}/complete`, {}, as(bob))).status).toBe(200);
  expect((await api.get(`/tasks/${ship.id}`, as(bob))).body.blocked).toBe(true);
  expect((await api.post(`/tasks/${docs.id}/complete`, {}, as(alice))).status).toBe(200);
  expect((await api.get(`/tasks/${ship.id}`, as(bob))).body.blocked).toBe(false);
  const inbox = await pollUntil(
    async () => (await api.get("/notifications", as(bob))).body.items as { kind: string; taskId: string }[],
    (items) => items.some((n) => n.kind === "unblocked"),
  );
  expect(inbox.filter((n) => n.kind === "unblocked")).toEqual([expect.objectContaining({ kind: "unblocked", taskId: ship.id, title: "Unblocked: Ship" })]);
  expect((await api.get("/notifications", as(alice))).body.items.filter((n: { kind: string }) => n.kind === "unblocked")).toEqual([]);
});

test("a cycle, the task itself, or a blocker the caller cannot see answer 422", async () => {
  const a = await create({ title: "A" });
  const b = await create({ title: "B", blockedBy: [a.id] });
  expectProblem(await api.patch(`/tasks/${a.id}`, { blockedBy: [b.id] }, as(alice)), 422);
  expectProblem(await api.patch(`/tasks/${a.id}`, { blockedBy: [a.id] }, as(alice)), 422);
  const hidden = await create({ title: "Carol's" }, carol);
  expectProblem(await api.patch(`/tasks/${a.id}`, { blockedBy: [hidden.id] }, as(alice)), 422);
  expectProblem(await api.patch(`/tasks/${a.id}`, { blockedBy: ["not-a-uuid"] }, as(alice)), 422);
  expectProblem(await api.get(`/tasks?blocked=maybe`, as(alice)), 422);
  expect((await api.get(`/tasks/${a.id}`, as(alice))).body.blockedBy).toEqual([]);
});

test("a recurring blocker: completing an occurrence frees the waiting task once, and it leaves blockedBy", async () => {
  const weekly = await create({ title: "Weekly sync", dueAt: "2026-11-02T09:00:00Z", recurrence: { rrule: "FREQ=WEEKLY", timezone: "UTC" } });
  const report = await create({ title: "Write minutes", blockedBy: [weekly.id] });
  expect(report).toMatchObject({ blocked: true, blockedBy: [weekly.id] });
  const first = await api.post(`/tasks/${weekly.id}/complete`, {}, as(alice));
  expect(first.body.task).toMatchObject({ status: "todo", dueAt: "2026-11-09T09:00:00.000Z" });
  expect((await api.get(`/tasks/${report.id}`, as(alice))).body).toMatchObject({ blocked: false, blockedBy: [] });
  expect((await api.post(`/tasks/${weekly.id}/complete`, {}, as(alice))).status).toBe(200);
  const mine = (items: { kind: string; taskId: string }[]) => items.filter((n) => n.kind === "unblocked" && n.taskId === report.id);
  const inbox = await pollUntil(
    async () => (await api.get("/notifications", as(alice))).body.items as { kind: string; taskId: string }[],
    (items) => mine(items).length > 0,
  );
  expect(mine(inbox)).toEqual([expect.objectContaining({ kind: "unblocked", taskId: report.id, title: "Unblocked: Write minutes" })]);
  const history = (await api.get(`/tasks/${report.id}/history`, as(alice))).body.items as { changes: { field: string; from: unknown; to: unknown }[] }[];
  expect(history.flatMap((h) => h.changes)).toContainEqual({ field: "blockedBy", from: [weekly.id], to: [] });
});

import { createTaskInput, listTasksQuery, TaskDto, TaskUnblockedEvent, updateTaskInput } from "../../libs/contracts";
import { CursorCodec } from "../../libs/task-query";
import { emailOf } from "../../test/support/sharing";
import { ALICE, BOB, CAROL, useTasksDb } from "../../test/support/tasks-db";
import { HISTORY } from "./history";
import { TASKS_SCHEMA } from "./migrations";
import { TaskLister } from "./task-list";
import { TaskRecurrence } from "./task-recurrence";

const fx = useTasksDb();
beforeEach(() => fx.truncate());

const create = async (body: Record<string, unknown>, user = ALICE): Promise<TaskDto> => fx.tasks.create(await fx.as(user), createTaskInput.parse(body));
const update = async (id: string, body: Record<string, unknown>, user = ALICE) => fx.tasks.update(await fx.as(user), id, updateTaskInput.parse(body));
const get = async (id: string, user = ALICE) => fx.tasks.get(await fx.as(user), id);
const complete = async (id: string, user = ALICE) => new TaskRecurrence(fx.writer).complete(await fx.as(user), id);
const unblocked = async (): Promise<TaskUnblockedEvent[]> =>
  (await fx.db(`${TASKS_SCHEMA}.outbox`).where({ channel: "task.unblocked" }).orderBy("id").select("payload")).map((r) => r.payload);

test("a task blocked by open tasks is blocked until the last is done; then its assignee is told, in the same commit", async () => {
  const project = await fx.projects.create(await fx.as(ALICE), { name: "Release" });
  const { invitationId } = await fx.invitations.invite(await fx.as(ALICE), project.id, emailOf(BOB), "editor", BOB);
  await fx.invitations.accept(await fx.as(BOB), invitationId, emailOf(BOB));
  const build = await create({ title: "Build", projectId: project.id });
  const privateTest = await create({ title: "Test locally" });
  const ship = await create({ title: "Ship", projectId: project.id, assigneeId: BOB, blockedBy: [build.id, privateTest.id] });
  expect(ship).toMatchObject({ blocked: true, blockedBy: [build.id, privateTest.id] });
  const lister = new TaskLister(fx.db, new CursorCodec("dependencies-db-test-cursor-secret-0123456", fx.clock), fx.clock);
  const listed = async (blocked: string) => (await lister.list(await fx.as(ALICE), listTasksQuery.parse({ blocked }))).items.map((t) => t.id);
  expect(await listed("true")).toEqual([ship.id]);
  expect((await listed("false")).sort()).toEqual([build.id, privateTest.id].sort());

  await complete(build.id);
  expect((await get(ship.id)).blocked).toBe(true);
  expect(await unblocked()).toEqual([]);
  const wakes = fx.wakes;
  await complete(privateTest.id);
  expect((await get(ship.id)).blocked).toBe(false);
  expect(fx.wakes).toBe(wakes + 1);
  expect(await unblocked()).toEqual([
    expect.objectContaining({ taskId: ship.id, blockerId: privateTest.id, recipientId: BOB, ownerId: ALICE, projectId: project.id, title: "Ship" }),
  ]);
  // Reopening a blocker blocks again; deleting one drops it from the list.
  await update(build.id, { status: "todo" });
  expect((await get(ship.id)).blocked).toBe(true);
  await fx.tasks.remove(await fx.as(ALICE), build.id);
  expect(await get(ship.id)).toMatchObject({ blocked: false, blockedBy: [privateTest.id] });
  expect(await unblocked()).toHaveLength(1);
});

test("the owner is told when there is no assignee", async () => {
  const first = await create({ title: "First" });
  const second = await create({ title: "Second", blockedBy: [first.id] });
  await complete(first.id);
  expect(await unblocked()).toEqual([expect.objectContaining({ taskId: second.id, recipientId: ALICE })]);
});

test("cycles, self-blocking and blockers the caller cannot see answer 422 and change nothing", async () => {
  const a = await create({ title: "A" });
  const b = await create({ title: "B", blockedBy: [a.id] });
  const c = await create({ title: "C", blockedBy: [b.id] });
  await expect(update(a.id, { blockedBy: [c.id] })).rejects.toMatchObject({ code: 422 });
  await expect(update(a.id, { blockedBy: [b.id] })).rejects.toMatchObject({ code: 422 });
  await expect(update(a.id, { blockedBy: [a.id] })).rejects.toMatchObject({ code: 422 });
  const hidden = await create({ title: "Carol's" }, CAROL);
  await expect(update(a.id, { blockedBy: [hidden.id] })).rejects.toMatchObject({ code: 422 });
  await expect(create({ title: "x", blockedBy: ["00000000-0000-4000-8000-000000000999"] })).rejects.toMatchObject({ code: 422 });
  expect((await get(a.id)).blockedBy).toEqual([]);
  // Clearing the list frees the task without telling anyone.
  expect(await update(c.id, { blockedBy: [] })).toMatchObject({ blocked: false, blockedBy: [] });
  expect(await unblocked()).toEqual([]);
});

test("completing an occurrence of a recurring blocker satisfies the dependency: it leaves blockedBy, the task is told once", async () => {
  const weekly = await create({ title: "Weekly review", dueAt: "2026-11-02T09:00:00Z", recurrence: { rrule: "FREQ=WEEKLY", timezone: "UTC" } });
  const once = await create({ title: "Sign contract" });
  const waiting = await create({ title: "Send invoice", blockedBy: [weekly.id, once.id] });
  const alone = await create({ title: "Plan next quarter", blockedBy: [weekly.id] });
  expect(waiting.blocked).toBe(true);
  expect(alone.blocked).toBe(true);

  const done = await complete(weekly.id);
  expect(done.task).toMatchObject({ status: "todo", dueAt: "2026-11-09T09:00:00.000Z" });
  // Both lists lose the recurring blocker; only the task with no other open blocker is free and told.
  expect(await get(alone.id)).toMatchObject({ blocked: false, blockedBy: [] });
  expect(await get(waiting.id)).toMatchObject({ blocked: true, blockedBy: [once.id] });
  expect(await unblocked()).toEqual([expect.objectContaining({ taskId: alone.id, blockerId: weekly.id, recipientId: ALICE })]);
  // The next occurrence changes nothing more: told once.
  await complete(weekly.id);
  expect(await get(alone.id)).toMatchObject({ blocked: false, blockedBy: [] });
  expect(await unblocked()).toHaveLength(1);
  const history = await fx.db(HISTORY).where({ task_id: alone.id }).select("changes");
  expect(history).toEqual(expect.arrayContaining([expect.objectContaining({ changes: expect.arrayContaining([{ field: "blockedBy", from: [weekly.id], to: [] }]) })]));
});

test("a blocker the caller cannot see, set by someone who can, stays when the caller sends the list back; it cannot be added", async () => {
  const project = await fx.projects.create(await fx.as(ALICE), { name: "Shared" });
  const { invitationId } = await fx.invitations.invite(await fx.as(ALICE), project.id, emailOf(BOB), "editor", BOB);
  await fx.invitations.accept(await fx.as(BOB), invitationId, emailOf(BOB));
  const alicesOwn = await create({ title: "Alice's private errand" });
  const bobsOwn = await create({ title: "Bob's private errand" }, BOB);
  const shared = await create({ title: "Shared step", projectId: project.id, blockedBy: [alicesOwn.id] });
  // Bob edits the list: Alice's private blocker stays, his own joins.
  expect(await update(shared.id, { blockedBy: [alicesOwn.id, bobsOwn.id] }, BOB)).toMatchObject({ blocked: true, blockedBy: [alicesOwn.id, bobsOwn.id] });
  // But he cannot name a task of hers he cannot see that the list does not hold already.
  const another = await create({ title: "Alice's other errand" });
  await expect(update(shared.id, { blockedBy: [alicesOwn.id, another.id] }, BOB)).rejects.toMatchObject({ code: 422 });
  await complete(bobsOwn.id, BOB);
  expect(await get(shared.id, BOB)).toMatchObject({ blocked: true });
  expect(await update(shared.id, { blockedBy: [alicesOwn.id] }, BOB)).toMatchObject({ blocked: true, blockedBy: [alicesOwn.id] });
});

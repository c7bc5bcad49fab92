import { createTaskInput, listTasksQuery, TaskDto, updateTaskInput } from "../../libs/contracts";
import { CursorCodec } from "../../libs/task-query";
import { emailOf } from "../../test/support/sharing";
import { ALICE, BOB, CAROL, useTasksDb } from "../../test/support/tasks-db";
import { TASKS_SCHEMA } from "./migrations";
import { MAX_DEPTH } from "./subtasks";
import { TaskLister } from "./task-list";
import { TaskRecurrence } from "./task-recurrence";

const fx = useTasksDb();
beforeEach(() => fx.truncate());
const recurrence = () => new TaskRecurrence(fx.writer);
const lister = () => new TaskLister(fx.db, new CursorCodec("subtasks-db-test-cursor-secret-0123456789", fx.clock), fx.clock);

const create = async (body: Record<string, unknown>, user = ALICE): Promise<TaskDto> => fx.tasks.create(await fx.as(user), createTaskInput.parse(body));
const update = async (id: string, body: Record<string, unknown>, user = ALICE) => fx.tasks.update(await fx.as(user), id, updateTaskInput.parse(body));
const get = async (id: string, user = ALICE) => fx.tasks.get(await fx.as(user), id);
const list = async (query: Record<string, string>, user = ALICE) => (await lister().list(await fx.as(user), listTasksQuery.parse(query))).items;
const events = async (channel: string) =>
  (await fx.db(`${TASKS_SCHEMA}.outbox`).where({ channel }).orderBy("id").select("payload")).map((r) => r.payload as { taskId: string; task: TaskDto | null });

async function shared(editor = BOB) {
  const project = await fx.projects.create(await fx.as(ALICE), { name: "House" });
  const { invitationId } = await fx.invitations.invite(await fx.as(ALICE), project.id, emailOf(editor), "editor", editor);
  await fx.invitations.accept(await fx.as(editor), invitationId, emailOf(editor));
  return project.id;
}

test("a subtask takes its parent's project, goes after its siblings, and the parent counts it in its progress", async () => {
  const projectId = await shared();
  const parent = await create({ title: "Move house", projectId });
  const a = await create({ title: "Pack", parentId: parent.id }, BOB);
  const b = await create({ title: "Book van", parentId: parent.id });
  expect(a).toMatchObject({ parentId: parent.id, projectId, position: 0, progress: { done: 0, total: 0 } });
  expect(b.position).toBe(1);
  expect((await get(parent.id)).progress).toEqual({ done: 0, total: 2 });
  await update(a.id, { status: "done" });
  const after = await get(parent.id);
  expect(after.progress).toEqual({ done: 1, total: 2 });
  // The parent's progress travels in its own event, so search documents carry it.
  expect((await events("task.updated")).at(-1)).toMatchObject({ taskId: parent.id, task: { progress: { done: 1, total: 2 } } });
  expect((await list({ parentId: parent.id })).map((t) => t.id)).toEqual([a.id, b.id]);
  expect((await list({ topLevel: "true" })).map((t) => t.id)).toEqual([parent.id]);
  expect((await list({ parentId: parent.id, status: "todo" })).map((t) => t.id)).toEqual([b.id]);
  await update(b.id, { position: 0 });
  await update(a.id, { position: 5 });
  expect((await list({ parentId: parent.id })).map((t) => t.id)).toEqual([b.id, a.id]);
});

test("a parent must be a task the caller sees, in the same project; naming another project or an unseen parent is 422", async () => {
  const projectId = await shared();
  const mine = await create({ title: "Private" });
  const theirs = await create({ title: "Bob's own" }, BOB);
  await expect(create({ title: "x", parentId: theirs.id })).rejects.toMatchObject({ code: 422 });
  await expect(create({ title: "x", parentId: "00000000-0000-4000-8000-000000000999" })).rejects.toMatchObject({ code: 422 });
  await expect(create({ title: "x", parentId: mine.id, projectId })).rejects.toMatchObject({ code: 422 });
  await expect(update(theirs.id, { parentId: mine.id }, BOB)).rejects.toMatchObject({ code: 422 });
  // A viewer may not add subtasks to a project task.
  const task = await create({ title: "Shared", projectId });
  const { invitationId } = await fx.invitations.invite(await fx.as(ALICE), projectId, emailOf(CAROL), "viewer", CAROL);
  await fx.invitations.accept(await fx.as(CAROL), invitationId, emailOf(CAROL));
  await expect(create({ title: "x", parentId: task.id }, CAROL)).rejects.toMatchObject({ code: 403 });
});

test(`subtasks nest ${MAX_DEPTH} levels deep, never in a cycle`, async () => {
  const chain = [await create({ title: "L1" })];
  for (let level = 2; level <= MAX_DEPTH; level++) chain.push(await create({ title: `L${level}`, parentId: chain.at(-1)!.id }));
  await expect(create({ title: "too deep", parentId: chain.at(-1)!.id })).rejects.toMatchObject({ code: 422 });
  await expect(update(chain[0]!.id, { parentId: chain[2]!.id })).rejects.toMatchObject({ code: 422 });
  await expect(update(chain[1]!.id, { parentId: chain[1]!.id })).rejects.toMatchObject({ code: 422 });
  // Moving a two-level subtree under a task at depth 4 would make it 6 deep.
  const other = await create({ title: "other" });
  const otherChild = await create({ title: "other child", parentId: other.id });
  await expect(update(other.id, { parentId: chain[3]!.id })).rejects.toMatchObject({ code: 422 });
  const moved = await update(other.id, { parentId: chain[2]!.id });
  expect(moved).toMatchObject({ parentId: chain[2]!.id, position: 1 });
  expect((await get(chain[2]!.id)).progress?.total).toBe(2);
  expect(await update(other.id, { parentId: null })).toMatchObject({ parentId: null });
  expect((await get(chain[2]!.id)).progress?.total).toBe(1);
  expect((await get(otherChild.id)).parentId).toBe(other.id);
});

test("completing a parent with open subtasks takes a choice: 409 without one or with refuse; complete completes the subtree", async () => {
  const parent = await create({ title: "Trip" });
  const child = await create({ title: "Tickets", parentId: parent.id });
  const grandchild = await create({ title: "Seats", parentId: child.id });
  const auth = await fx.as(ALICE);
  await expect(recurrence().complete(auth, parent.id)).rejects.toMatchObject({ code: 409 });
  await expect(recurrence().complete(auth, parent.id, undefined, "refuse")).rejects.toMatchObject({ code: 409 });
  await expect(update(parent.id, { status: "done" })).rejects.toMatchObject({ code: 409 });
  expect((await get(parent.id)).status).toBe("todo");
  const { task } = await recurrence().complete(auth, parent.id, undefined, "complete");
  expect(task).toMatchObject({ status: "done", progress: { done: 1, total: 1 } });
  expect((await get(grandchild.id)).status).toBe("done");
  expect(await recurrence().completions(auth, child.id)).toHaveLength(1);
});

test("a recurring parent's subtasks reopen when it advances to its next occurrence", async () => {
  const parent = await create({ title: "Weekly review", dueAt: "2026-03-02T09:00:00Z", recurrence: { rrule: "FREQ=WEEKLY" } });
  const child = await create({ title: "Inbox zero", parentId: parent.id });
  await update(child.id, { status: "done" });
  const { task } = await recurrence().complete(await fx.as(ALICE), parent.id);
  expect(task).toMatchObject({ status: "todo", dueAt: "2026-03-09T09:00:00.000Z", progress: { done: 0, total: 1 } });
  expect((await get(child.id)).status).toBe("todo");
});

test("deleting a parent takes children=delete (409 otherwise) and deletes the subtree, one task.deleted event per task", async () => {
  const parent = await create({ title: "Party" });
  const child = await create({ title: "Cake", parentId: parent.id, dueAt: "2026-03-05T09:00:00Z", reminders: [{ offset: "-PT1H", channels: ["sse"] }] });
  const grandchild = await create({ title: "Candles", parentId: child.id });
  const auth = await fx.as(ALICE);
  await expect(fx.tasks.remove(auth, parent.id)).rejects.toMatchObject({ code: 409 });
  expect(await get(child.id)).toBeTruthy();
  // A leaf goes without a choice, and its parent's progress follows.
  await fx.tasks.remove(auth, grandchild.id);
  expect((await get(child.id)).progress).toEqual({ done: 0, total: 0 });
  await fx.db(`${TASKS_SCHEMA}.outbox`).delete();
  await fx.tasks.remove(auth, parent.id, undefined, "delete");
  expect((await events("task.deleted")).map((e) => e.taskId).sort()).toEqual([parent.id, child.id].sort());
  await expect(get(child.id)).rejects.toMatchObject({ code: 404 });
});

test("moving a parent to another project moves its subtree; a subtask alone cannot leave its parent's project", async () => {
  const projectId = await shared();
  const parent = await create({ title: "Garden" });
  const child = await create({ title: "Seeds", parentId: parent.id });
  await expect(update(child.id, { projectId })).rejects.toMatchObject({ code: 422 });
  await update(parent.id, { projectId });
  expect(await get(child.id, BOB)).toMatchObject({ projectId, parentId: parent.id });
  // Bob's subtask in the project: Alice (project owner) may take the tree private? No: Bob's task is not hers to make private.
  const bobs = await create({ title: "Bob's part", parentId: parent.id }, BOB);
  await expect(update(parent.id, { projectId: null })).rejects.toMatchObject({ code: 403 });
  expect((await get(bobs.id, BOB)).projectId).toBe(projectId);
  // Detached and moved in one change.
  expect(await update(child.id, { parentId: null, projectId: null })).toMatchObject({ parentId: null, projectId: null });
});

import { createTaskInput, TaskDto, updateTaskInput } from "../../libs/contracts";
import { CursorCodec } from "../../libs/task-query";
import { emailOf } from "../../test/support/sharing";
import { ALICE, BOB, CAROL, useTasksDb } from "../../test/support/tasks-db";
import { HISTORY, HistoryReader } from "./history";
import { TaskRecurrence } from "./task-recurrence";

const fx = useTasksDb();
beforeEach(async () => {
  await fx.truncate();
  await fx.db(HISTORY).delete();
});
const reader = () => new HistoryReader(fx.db, new CursorCodec("history-db-test-cursor-secret-0123456789", fx.clock));
const create = async (body: Record<string, unknown>, user = ALICE): Promise<TaskDto> => fx.tasks.create(await fx.as(user), createTaskInput.parse(body));
const update = async (id: string, body: Record<string, unknown>, user = ALICE) => fx.tasks.update(await fx.as(user), id, updateTaskInput.parse(body));
const brief = (items: { action: string; actorId: string | null; changes: { field: string }[] }[]) => items.map((i) => [i.action, i.actorId, i.changes.map((c) => c.field)]);

test("every change of a task is recorded with who, when and each field from → to, newest first, in cursor pages", async () => {
  const task = await create({ title: "Draft" });
  fx.clock.advance(60_000);
  await update(task.id, { title: "Final", priority: "high" });
  await new TaskRecurrence(fx.writer).complete(await fx.as(ALICE), task.id);
  const auth = await fx.as(ALICE);
  const page = await reader().forTask(auth, task.id, 50);
  expect(brief(page.items)).toEqual([
    ["completed", ALICE, ["status"]],
    ["updated", ALICE, ["title", "priority"]],
    ["created", ALICE, []],
  ]);
  expect(page.items[1]).toMatchObject({ at: "2026-03-01T10:01:00.000Z", taskId: task.id, changes: [{ field: "title", from: "Draft", to: "Final" }, { field: "priority", from: "none", to: "high" }] });
  const first = await reader().forTask(auth, task.id, 2);
  const second = await reader().forTask(auth, task.id, 2, first.nextCursor!);
  expect([...first.items, ...second.items].map((i) => i.id)).toEqual(page.items.map((i) => i.id));
  expect(second.nextCursor).toBeNull();
  // Only the task's readers read it; a cursor is the issuer's alone.
  await expect(reader().forTask(await fx.as(BOB), task.id, 50)).rejects.toMatchObject({ code: 404 });
  await expect(reader().forTask(await fx.as(BOB), task.id, 2, first.nextCursor!)).rejects.toMatchObject({ code: 404 });
});

test("a project's history holds its tasks' changes (deletions and moves too) and its membership changes, for members only", async () => {
  const project = await fx.projects.create(await fx.as(ALICE), { name: "Garden" });
  const { invitationId } = await fx.invitations.invite(await fx.as(ALICE), project.id, emailOf(BOB), "viewer", BOB);
  await fx.invitations.accept(await fx.as(BOB), invitationId, emailOf(BOB));
  await fx.projects.changeRole(await fx.as(ALICE), project.id, BOB, "editor");
  const moved = await create({ title: "Seeds" });
  await update(moved.id, { projectId: project.id });
  const gone = await create({ title: "Weeds", projectId: project.id }, BOB);
  await fx.tasks.remove(await fx.as(BOB), gone.id);
  const items = (await reader().forProject(await fx.as(BOB), project.id, 50)).items;
  expect(items.map((i) => [i.action, i.actorId, i.taskId ?? i.userId])).toEqual([
    ["deleted", BOB, gone.id],
    ["created", BOB, gone.id],
    ["moved", ALICE, moved.id],
    ["member.changed", ALICE, BOB],
    ["member.added", BOB, BOB],
    ["member.added", ALICE, ALICE],
  ]);
  expect(items[3]!.changes).toEqual([{ field: "role", from: "viewer", to: "editor" }]);
  await expect(reader().forProject(await fx.as(CAROL), project.id, 50)).rejects.toMatchObject({ code: 404 });
});

test("entries older than the retention are purged; a change and its entry commit together", async () => {
  const task = await create({ title: "Old" });
  fx.clock.advance(10 * 24 * 3600_000);
  await update(task.id, { title: "New" });
  expect(await reader().purge(new Date(fx.clock.now().getTime() - 24 * 3600_000), 1)).toBe(1);
  expect(brief((await reader().forTask(await fx.as(ALICE), task.id, 50)).items)).toEqual([["updated", ALICE, ["title"]]]);
  // A refused change records nothing.
  await expect(update(task.id, { title: "x" }, BOB)).rejects.toMatchObject({ code: 404 });
  expect(await fx.db(HISTORY).count({ n: "*" })).toEqual([{ n: 1 }]);
});

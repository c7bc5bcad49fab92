import { ALICE, BOB, useTasksDb } from "../../test/support/tasks-db";
import { createTaskInput, updateTaskInput } from "../../libs/contracts";
import { TASKS_SCHEMA } from "./migrations";
import { shareInStore } from "../../test/support/sharing";
import { TASKS } from "./task-row";

const fx = useTasksDb();
const create = async (body: Record<string, unknown>) => fx.tasks.create(await fx.as(ALICE), createTaskInput.parse(body));
/** Task events only: membership events are membership-events.db.test.ts's. */
const takeEvents = async () => {
  const rows = await fx.db(`${TASKS_SCHEMA}.outbox`).where("channel", "like", "task.%").orderBy("id").select("channel", "payload");
  await fx.db(`${TASKS_SCHEMA}.outbox`).delete();
  return rows.map((r) => ({ channel: r.channel, taskId: r.payload.taskId, version: r.payload.version, task: r.payload.task }));
};

test("a task moved into a project and the project's deletion: each task one version up, one event each, one wake-up per commit", async () => {
  const project = await fx.projects.create(await fx.as(ALICE), { name: "Garden" });
  const first = await create({ title: "Dig", projectId: project.id });
  const second = await create({ title: "Sow", projectId: project.id });
  await fx.tasks.update(await fx.as(ALICE), second.id, updateTaskInput.parse({ title: "Sow beans" }));
  const loose = await create({ title: "Water" });
  await takeEvents();

  let woken = fx.wakes;
  const moved = await fx.tasks.update(await fx.as(ALICE), loose.id, updateTaskInput.parse({ projectId: project.id }), 1);
  expect(moved).toMatchObject({ projectId: project.id, version: 2 });
  expect(await takeEvents()).toEqual([{ channel: "task.updated", taskId: loose.id, version: 2, task: moved }]);
  expect(fx.wakes).toBe(woken + 1);

  woken = fx.wakes;
  await fx.projects.remove(await fx.as(ALICE), project.id);
  const deleted = Object.fromEntries((await takeEvents()).map((e) => [e.taskId, e]));
  const gone = (taskId: string, version: number) => ({ channel: "task.deleted", taskId, version, task: null });
  expect(deleted).toEqual({ [first.id]: gone(first.id, 2), [second.id]: gone(second.id, 3), [loose.id]: gone(loose.id, 3) });
  expect(fx.wakes).toBe(woken + 1);
  expect(await fx.db(TASKS).where({ project_id: project.id })).toEqual([]);
});

test("an empty project's deletion records no task event; the relay fx.wakes once, for its owner's removal", async () => {
  const project = await fx.projects.create(await fx.as(ALICE), { name: "Empty" });
  await takeEvents();
  const woken = fx.wakes;
  await fx.projects.remove(await fx.as(ALICE), project.id);
  expect(await takeEvents()).toEqual([]);
  expect(fx.wakes).toBe(woken + 1);
});

test("a member's removal unassigns their tasks in the project through the writer", async () => {
  const project = await fx.projects.create(await fx.as(ALICE), { name: "Shared" });
  await shareInStore(fx.invitations, await fx.as(ALICE), project.id, await fx.as(BOB), "editor");
  const theirs = await create({ title: "Prune", projectId: project.id, assigneeId: BOB });
  const mine = await create({ title: "Rake", projectId: project.id, assigneeId: ALICE });
  await takeEvents();

  fx.clock.advance(60_000);
  await fx.projects.removeMember(await fx.as(ALICE), project.id, BOB);
  const [event, ...rest] = await takeEvents();
  expect(rest).toEqual([]);
  expect(event).toMatchObject({ channel: "task.updated", taskId: theirs.id, version: 2, task: { assigneeId: null, version: 2, updatedAt: fx.clock.now().toISOString() } });
  expect(await fx.tasks.get(await fx.as(ALICE), mine.id)).toEqual(mine);
});

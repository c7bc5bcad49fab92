import { packAbility } from "../../libs/authz";
import { ManualClock } from "../../libs/clock";
import { AuthMeta, createTaskInput, updateTaskInput } from "../../libs/contracts";
import { postgresDb } from "../../test/support/db";
import { migrations, TASKS_SCHEMA } from "./migrations";
import { shareInStore } from "../../test/support/sharing";
import { InvitationStore } from "./invitation-store";
import { ProjectStore } from "./project-store";
import { CursorCodec } from "../../libs/task-query";
import { TASKS } from "./task-row";
import { TaskStore } from "./task-store";
import { TaskWriter } from "./task-writer";

const ALICE = "00000000-0000-4000-8000-00000000000a";
const BOB = "00000000-0000-4000-8000-00000000000b";

let pg: Awaited<ReturnType<typeof postgresDb>>;
let tasks: TaskStore;
let projects: ProjectStore;
let invitations: InvitationStore;
let wakes = 0;
const clock = new ManualClock(new Date("2026-03-01T10:00:00Z"));

beforeAll(async () => {
  pg = await postgresDb(5, { schema: TASKS_SCHEMA, migrations });
  const writer = new TaskWriter(pg.db, clock, () => wakes++);
  tasks = new TaskStore(writer);
  projects = new ProjectStore(writer, new CursorCodec("task-writer-test-cursor-secret-0123456789", clock));
  invitations = new InvitationStore(writer);
});
afterAll(() => pg.close());

/** Memberships are packed into the caller's ability, as the gateway does per request. */
const as = async (userId: string): Promise<AuthMeta> => packAbility({ id: userId, roles: ["member"] }, await projects.memberships(userId));
const create = async (body: Record<string, unknown>) => tasks.create(await as(ALICE), createTaskInput.parse(body));
/** Task events only: membership events are membership-events.db.test.ts's. */
const takeEvents = async () => {
  const rows = await pg.db(`${TASKS_SCHEMA}.outbox`).where("channel", "like", "task.%").orderBy("id").select("channel", "payload");
  await pg.db(`${TASKS_SCHEMA}.outbox`).delete();
  return rows.map((r) => ({ channel: r.channel, taskId: r.payload.taskId, version: r.payload.version, task: r.payload.task }));
};

test("a task moved into a project and the project's deletion: each task one version up, one event each, one wake-up per commit", async () => {
  const project = await projects.create(await as(ALICE), { name: "Garden" });
  const first = await create({ title: "Dig", projectId: project.id });
  const second = await create({ title: "Sow", projectId: project.id });
  await tasks.update(await as(ALICE), second.id, updateTaskInput.parse({ title: "Sow beans" }));
  const loose = await create({ title: "Water" });
  await takeEvents();

  let woken = wakes;
  const moved = await tasks.update(await as(ALICE), loose.id, updateTaskInput.parse({ projectId: project.id }), 1);
  expect(moved).toMatchObject({ projectId: project.id, version: 2 });
  expect(await takeEvents()).toEqual([{ channel: "task.updated", taskId: loose.id, version: 2, task: moved }]);
  expect(wakes).toBe(woken + 1);

  woken = wakes;
  await projects.remove(await as(ALICE), project.id);
  const deleted = Object.fromEntries((await takeEvents()).map((e) => [e.taskId, e]));
  const gone = (taskId: string, version: number) => ({ channel: "task.deleted", taskId, version, task: null });
  expect(deleted).toEqual({ [first.id]: gone(first.id, 2), [second.id]: gone(second.id, 3), [loose.id]: gone(loose.id, 3) });
  expect(wakes).toBe(woken + 1);
  expect(await pg.db(TASKS).where({ project_id: project.id })).toEqual([]);
});

test("an empty project's deletion records no task event; the relay wakes once, for its owner's removal", async () => {
  const project = await projects.create(await as(ALICE), { name: "Empty" });
  await takeEvents();
  const woken = wakes;
  await projects.remove(await as(ALICE), project.id);
  expect(await takeEvents()).toEqual([]);
  expect(wakes).toBe(woken + 1);
});

test("a member's removal unassigns their tasks in the project through the writer", async () => {
  const project = await projects.create(await as(ALICE), { name: "Shared" });
  await shareInStore(invitations, await as(ALICE), project.id, await as(BOB), "editor");
  const theirs = await create({ title: "Prune", projectId: project.id, assigneeId: BOB });
  const mine = await create({ title: "Rake", projectId: project.id, assigneeId: ALICE });
  await takeEvents();

  clock.advance(60_000);
  await projects.removeMember(await as(ALICE), project.id, BOB);
  const [event, ...rest] = await takeEvents();
  expect(rest).toEqual([]);
  expect(event).toMatchObject({ channel: "task.updated", taskId: theirs.id, version: 2, task: { assigneeId: null, version: 2, updatedAt: clock.now().toISOString() } });
  expect(await tasks.get(await as(ALICE), mine.id)).toEqual(mine);
});

import { createTaskInput } from "../../libs/contracts";
import { shareInStore } from "../../test/support/sharing";
import { ALICE, BOB, useTasksDb } from "../../test/support/tasks-db";
import { eraseAccount } from "./account-erasure";
import { TASKS_SCHEMA } from "./migrations";
import { MEMBERS, PROJECTS } from "./project-store";
import { TASKS } from "./task-row";

const fx = useTasksDb();
const create = async (who: string, body: Record<string, unknown>) => fx.tasks.create(await fx.as(who), createTaskInput.parse(body));

test("erasing an account deletes what it owns everywhere, ends its memberships and assignments, and is idempotent", async () => {
  const own = await create(ALICE, { title: "private" });
  const hers = await fx.projects.create(await fx.as(ALICE), { name: "Hers" });
  await shareInStore(fx.invitations, await fx.as(ALICE), hers.id, await fx.as(BOB), "editor");
  const bobsInHers = await create(BOB, { title: "bob's in hers", projectId: hers.id });
  const bobs = await fx.projects.create(await fx.as(BOB), { name: "Bob's" });
  await shareInStore(fx.invitations, await fx.as(BOB), bobs.id, await fx.as(ALICE), "editor");
  const aliceInBobs = await create(ALICE, { title: "alice's in bob's", projectId: bobs.id });
  const assigned = await create(BOB, { title: "for alice", projectId: bobs.id, assigneeId: ALICE });
  await fx.db(`${TASKS_SCHEMA}.outbox`).delete();

  await eraseAccount(fx.writer, ALICE);
  await eraseAccount(fx.writer, ALICE);
  const ids = (await fx.db(TASKS).select("id")).map((r) => r.id);
  expect(ids).not.toEqual(expect.arrayContaining([own.id]));
  expect(ids).not.toContain(bobsInHers.id);
  expect(ids).not.toContain(aliceInBobs.id);
  expect(await fx.db(TASKS).where({ id: assigned.id }).first()).toMatchObject({ assignee_id: null });
  expect(await fx.db(PROJECTS).where({ id: hers.id })).toEqual([]);
  expect(await fx.db(MEMBERS).where({ user_id: ALICE })).toEqual([]);
  const events = await fx.db(`${TASKS_SCHEMA}.outbox`).select("channel", "payload");
  expect(events.filter((e) => e.channel === "task.deleted").map((e) => e.payload.taskId).sort()).toEqual([own.id, bobsInHers.id, aliceInBobs.id].sort());
  expect(events.filter((e) => e.channel === "project.membership").map((e) => [e.payload.userId, e.payload.role])).toEqual(
    expect.arrayContaining([[BOB, null], [ALICE, null]]),
  );
});

import { createTaskInput, updateTaskInput } from "../../libs/contracts";
import { CursorCodec } from "../../libs/task-query";
import { COMMENTS, CommentStore } from "./comments";
import { HISTORY } from "./history";
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

test("erasing an account deletes its comments on others' tasks, unmentions it, and takes its name out of others' history", async () => {
  const comments = new CommentStore(fx.writer, new CursorCodec("erasure-test-cursor-secret-0123456789", fx.clock));
  const bobs = await fx.projects.create(await fx.as(BOB), { name: "Bob's, commented" });
  await shareInStore(fx.invitations, await fx.as(BOB), bobs.id, await fx.as(ALICE), "editor");
  const task = await create(BOB, { title: "discussed", projectId: bobs.id });
  await fx.tasks.update(await fx.as(ALICE), task.id, updateTaskInput.parse({ assigneeId: ALICE }));
  const hers = await comments.add(await fx.as(ALICE), task.id, "alice's secret words", [], undefined);
  await comments.edit(await fx.as(ALICE), hers.id, "alice's edited words", [], undefined);
  const his = await comments.add(await fx.as(BOB), task.id, "bob names alice", [ALICE], undefined);
  await fx.db(`${TASKS_SCHEMA}.outbox`).delete();

  await eraseAccount(fx.writer, ALICE);

  expect(await fx.db(COMMENTS).where({ id: hers.id })).toEqual([]);
  expect(await fx.db(COMMENTS).where({ id: his.id }).first()).toMatchObject({ text: "bob names alice", mentions: [] });
  const deleted = await fx.db(`${TASKS_SCHEMA}.outbox`).where({ channel: "comment.deleted" }).select("payload");
  expect(deleted.map((e) => e.payload)).toEqual([expect.objectContaining({ commentId: hers.id, authorId: ALICE, text: "" })]);
  const history = await fx.db(HISTORY).where({ task_id: task.id });
  expect(history.length).toBeGreaterThan(2);
  const text = JSON.stringify(history);
  expect(text).not.toContain(ALICE);
  expect(text).not.toContain("alice's");
  expect(JSON.stringify(await fx.db(HISTORY).where({ project_id: bobs.id }))).not.toContain(ALICE);
  // Bob's own entries keep their actor.
  expect(history.filter((h) => h.actor_id === BOB).length).toBeGreaterThan(0);
});

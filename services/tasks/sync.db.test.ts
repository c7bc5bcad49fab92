import { createTaskInput, updateTaskInput } from "../../libs/contracts";
import { shareInStore } from "../../test/support/sharing";
import { ALICE, BOB, useTasksDb } from "../../test/support/tasks-db";
import { SYNC_TOKEN_MAX_AGE_MS, SyncFeed, SyncPage } from "./sync";
import { TASKS } from "./task-row";

const fx = useTasksDb();
let feed: SyncFeed;
beforeAll(() => {
  feed = new SyncFeed(fx.db, "sync-db-test-secret-0123456789-0123456789", fx.clock);
});
beforeEach(() => fx.truncate());

const create = async (who: string, body: Record<string, unknown>) => fx.tasks.create(await fx.as(who), createTaskInput.parse(body));
/** Every page from `since` on, merged, as a client applies them. */
async function syncAll(who: string, since?: string, limit = 2) {
  const pages: SyncPage[] = [];
  let token = since;
  for (;;) {
    const page = await feed.page(await fx.as(who), token, limit);
    pages.push(page);
    token = page.nextToken;
    if (!page.hasMore) break;
  }
  const ids = (f: (p: SyncPage) => { id: string }[]) => pages.flatMap(f).map((x) => x.id).sort();
  return { token: token!, pages, tasks: ids((p) => p.tasks), projects: ids((p) => p.projects), deleted: pages.flatMap((p) => p.deleted) };
}

test("a first sync pages through everything visible; the next one answers only what changed, deletions as tombstones", async () => {
  const own = await Promise.all([1, 2, 3, 4, 5].map((i) => create(ALICE, { title: `t${i}` })));
  await create(BOB, { title: "bob's" });
  const first = await syncAll(ALICE);
  expect(first.tasks).toEqual(own.map((t) => t.id).sort());
  expect(first.deleted).toEqual([]);
  expect(first.pages.length).toBeGreaterThan(2);

  expect(await syncAll(ALICE, first.token)).toMatchObject({ tasks: [], projects: [], deleted: [] });
  await fx.tasks.update(await fx.as(ALICE), own[0]!.id, updateTaskInput.parse({ title: "renamed" }));
  await fx.tasks.remove(await fx.as(ALICE), own[1]!.id);
  const next = await syncAll(ALICE, first.token);
  expect(next.tasks).toEqual([own[0]!.id]);
  expect(next.deleted).toEqual([{ kind: "task", id: own[1]!.id }]);
  expect(await syncAll(ALICE, next.token)).toMatchObject({ tasks: [], deleted: [] });
});

test("joining a project brings it and all its tasks; leaving lists them under deleted", async () => {
  const project = await fx.projects.create(await fx.as(ALICE), { name: "Shared" });
  const tasks = await Promise.all([1, 2, 3].map((i) => create(ALICE, { title: `p${i}`, projectId: project.id })));
  const before = await syncAll(BOB);
  expect(before).toMatchObject({ tasks: [], projects: [] });

  await shareInStore(fx.invitations, await fx.as(ALICE), project.id, await fx.as(BOB), "viewer");
  const joined = await syncAll(BOB, before.token);
  expect(joined.projects).toEqual([project.id]);
  expect(joined.tasks).toEqual(tasks.map((t) => t.id).sort());

  await fx.tasks.remove(await fx.as(ALICE), tasks[0]!.id);
  await fx.projects.removeMember(await fx.as(ALICE), project.id, BOB);
  const left = await syncAll(BOB, joined.token);
  expect(left.tasks).toEqual([]);
  expect(left.deleted).toEqual(expect.arrayContaining([{ kind: "project", id: project.id }, ...tasks.map((t) => ({ kind: "task", id: t.id }))]));
});

test("a task moved out of sight is deleted for those who lose it, and only for them", async () => {
  const project = await fx.projects.create(await fx.as(ALICE), { name: "Team" });
  await shareInStore(fx.invitations, await fx.as(ALICE), project.id, await fx.as(BOB), "editor");
  const task = await create(ALICE, { title: "shared", projectId: project.id });
  const bob = await syncAll(BOB);
  const alice = await syncAll(ALICE);
  expect(bob.tasks).toEqual([task.id]);
  await fx.tasks.update(await fx.as(ALICE), task.id, updateTaskInput.parse({ projectId: null }));
  expect((await syncAll(BOB, bob.token)).deleted).toEqual([{ kind: "task", id: task.id }]);
  expect(await syncAll(ALICE, alice.token)).toMatchObject({ tasks: [task.id], deleted: [] });
});

test("deleting a project tells each member it and its tasks are gone", async () => {
  const project = await fx.projects.create(await fx.as(ALICE), { name: "Doomed" });
  await shareInStore(fx.invitations, await fx.as(ALICE), project.id, await fx.as(BOB), "viewer");
  const task = await create(ALICE, { title: "x", projectId: project.id });
  const bob = await syncAll(BOB);
  await fx.projects.remove(await fx.as(ALICE), project.id);
  expect((await syncAll(BOB, bob.token)).deleted).toEqual(expect.arrayContaining([{ kind: "project", id: project.id }, { kind: "task", id: task.id }]));
});

test("a token is the caller's alone, tamper-evident, and gone after 30 days", async () => {
  const { token } = await syncAll(ALICE);
  await expect(feed.page(await fx.as(BOB), token, 10)).rejects.toMatchObject({ type: "VALIDATION" });
  await expect(feed.page(await fx.as(ALICE), token.slice(0, -2) + "xx", 10)).rejects.toMatchObject({ type: "VALIDATION" });
  await expect(feed.page(await fx.as(ALICE), "garbage", 10)).rejects.toMatchObject({ type: "VALIDATION" });
  fx.clock.advance(SYNC_TOKEN_MAX_AGE_MS + 1);
  await expect(feed.page(await fx.as(ALICE), token, 10)).rejects.toMatchObject({ type: "GONE" });
});

test("a change whose transaction commits after a later one's is not skipped: the feed waits below the oldest running writer", async () => {
  const [first, second] = await Promise.all([create(ALICE, { title: "one" }), create(ALICE, { title: "two" })]);
  const start = await syncAll(ALICE);
  expect(start.tasks).toEqual([first.id, second.id].sort());

  // T1 changes `first` and stays open; T2 changes `second` after it (a later position) and commits first.
  const t1 = await fx.db.transaction();
  try {
    await t1(TASKS).where({ id: first.id }).update({ title: "one, changed in T1" });
    await fx.db.transaction(async (t2) => {
      await t2(TASKS).where({ id: second.id }).update({ title: "two, changed in T2" });
    });
    const during = await syncAll(ALICE, start.token);
    // T2's change waits while T1 runs: handing it out would move the token past T1's change.
    expect(during.tasks).toEqual([]);
    await t1.commit();
  } catch (err) {
    await t1.rollback();
    throw err;
  }
  const after = await syncAll(ALICE, start.token);
  expect(after.tasks).toEqual([first.id, second.id].sort());
  const titles = after.pages.flatMap((p) => p.tasks.map((t) => t.title)).sort();
  expect(titles).toEqual(["one, changed in T1", "two, changed in T2"]);
});

import { ALICE, BOB, CAROL, useTasksDb } from "../../test/support/tasks-db";
import { PROJECT_MEMBERSHIP_CHANNEL, ProjectMembershipEvent } from "../../libs/contracts";
import { migrateSchema } from "../../libs/db/migrate";
import { postgresDb } from "../../test/support/db";
import { emailOf } from "../../test/support/sharing";
import { migrations, TASKS_SCHEMA } from "./migrations";

const fx = useTasksDb();
beforeEach(() => fx.truncate());
const events = async (): Promise<ProjectMembershipEvent[]> =>
  (await fx.db(`${TASKS_SCHEMA}.outbox`).where({ channel: PROJECT_MEMBERSHIP_CHANNEL }).orderBy("id").select("payload")).map((r) => r.payload);
const brief = (list: ProjectMembershipEvent[]) => list.map((e) => [e.userId, e.role]);

async function join(projectId: string, userId: string, role: "editor" | "viewer") {
  const { invitationId } = await fx.invitations.invite(await fx.as(ALICE), projectId, emailOf(userId), role, userId);
  await fx.invitations.accept(await fx.as(userId), invitationId, emailOf(userId));
}

test("every membership change is published in its transaction, versions rising in the order of the changes", async () => {
  const project = await fx.projects.create(await fx.as(ALICE), { name: "Garden" });
  await join(project.id, BOB, "editor");
  await join(project.id, CAROL, "viewer");
  await fx.projects.changeRole(await fx.as(ALICE), project.id, CAROL, "editor");
  await fx.projects.removeMember(await fx.as(ALICE), project.id, BOB);
  await fx.projects.removeMember(await fx.as(CAROL), project.id, CAROL);
  const published = await events();
  expect(brief(published)).toEqual([
    [ALICE, "owner"],
    [BOB, "editor"],
    [CAROL, "viewer"],
    [CAROL, "editor"],
    [BOB, null],
    [CAROL, null],
  ]);
  expect(published.every((e) => e.projectId === project.id)).toBe(true);
  const versions = published.map((e) => e.version);
  expect(versions).toEqual([...versions].sort((a, b) => a - b));
  expect(new Set(versions).size).toBe(versions.length);
});

test("deleting a project removes every member; a refused change publishes nothing", async () => {
  const project = await fx.projects.create(await fx.as(ALICE), { name: "Shed" });
  await join(project.id, BOB, "viewer");
  const before = (await events()).length;
  await expect(fx.projects.changeRole(await fx.as(ALICE), project.id, ALICE, "editor")).rejects.toBeDefined();
  await expect(fx.projects.removeMember(await fx.as(BOB), project.id, ALICE)).rejects.toBeDefined();
  expect(await events()).toHaveLength(before);
  await fx.projects.remove(await fx.as(ALICE), project.id);
  expect(brief((await events()).slice(before)).sort()).toEqual([
    [ALICE, null],
    [BOB, null],
  ]);
});

test("the migration publishes one event per existing membership, so an upgraded notify starts complete", async () => {
  const fresh = await postgresDb(2, { schema: TASKS_SCHEMA, migrations: migrations.filter((m) => m.name < "0007") });
  try {
    const now = new Date();
    const ids = ["00000000-0000-4000-8000-000000000001", "00000000-0000-4000-8000-000000000002"];
    for (const id of ids) await fresh.db(`${TASKS_SCHEMA}.projects`).insert({ id, name: "Old", owner_id: ALICE, created_at: now, updated_at: now });
    await fresh.db(`${TASKS_SCHEMA}.project_members`).insert([
      { project_id: ids[0], user_id: ALICE, role: "owner", created_at: now },
      { project_id: ids[0], user_id: BOB, role: "viewer", created_at: now },
      { project_id: ids[1], user_id: ALICE, role: "owner", created_at: now },
    ]);
    await migrateSchema(fresh.db, TASKS_SCHEMA, migrations);
    const seeded: ProjectMembershipEvent[] = (await fresh.db(`${TASKS_SCHEMA}.outbox`).where({ channel: PROJECT_MEMBERSHIP_CHANNEL }).orderBy("id")).map((r) => r.payload);
    expect(seeded.map((e) => [e.projectId, e.userId, e.role])).toEqual([
      [ids[0], ALICE, "owner"],
      [ids[0], BOB, "viewer"],
      [ids[1], ALICE, "owner"],
    ]);
    // Changes after the upgrade outrank the seeded state.
    const [{ v }] = (await fresh.db.raw(`select nextval('${TASKS_SCHEMA}.membership_versions') as v`)).rows;
    expect(Number(v)).toBeGreaterThan(Math.max(...seeded.map((e) => e.version)));
  } finally {
    await fresh.close();
  }
});

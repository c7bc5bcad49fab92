import { packAbility } from "../../libs/authz";
import { ManualClock } from "../../libs/clock";
import { AuthMeta, PROJECT_MEMBERSHIP_CHANNEL, ProjectMembershipEvent } from "../../libs/contracts";
import { migrateSchema } from "../../libs/db/migrate";
import { CursorCodec } from "../../libs/task-query";
import { postgresDb } from "../../test/support/db";
import { emailOf } from "../../test/support/sharing";
import { InvitationStore } from "./invitation-store";
import { migrations, TASKS_SCHEMA } from "./migrations";
import { ProjectStore } from "./project-store";
import { TaskWriter } from "./task-writer";

const ALICE = "00000000-0000-4000-8000-00000000000a";
const BOB = "00000000-0000-4000-8000-00000000000b";
const CAROL = "00000000-0000-4000-8000-00000000000c";

let pg: Awaited<ReturnType<typeof postgresDb>>;
let projects: ProjectStore;
let invitations: InvitationStore;
let wakes = 0;
const clock = new ManualClock(new Date("2026-03-01T10:00:00Z"));

beforeAll(async () => {
  pg = await postgresDb(5, { schema: TASKS_SCHEMA, migrations });
  const writer = new TaskWriter(pg.db, clock, () => wakes++);
  projects = new ProjectStore(writer, new CursorCodec("membership-events-test-cursor-secret-0123456789", clock));
  invitations = new InvitationStore(writer);
});
beforeEach(() => pg.db.raw(`truncate ${TASKS_SCHEMA}.projects, ${TASKS_SCHEMA}.tasks, ${TASKS_SCHEMA}.outbox cascade`));
afterAll(() => pg.close());

const as = async (userId: string): Promise<AuthMeta> => packAbility({ id: userId, roles: ["member"] }, await projects.memberships(userId));
const events = async (): Promise<ProjectMembershipEvent[]> =>
  (await pg.db(`${TASKS_SCHEMA}.outbox`).where({ channel: PROJECT_MEMBERSHIP_CHANNEL }).orderBy("id").select("payload")).map((r) => r.payload);
const brief = (list: ProjectMembershipEvent[]) => list.map((e) => [e.userId, e.role]);

async function join(projectId: string, userId: string, role: "editor" | "viewer") {
  const { invitationId } = await invitations.invite(await as(ALICE), projectId, emailOf(userId), role, userId);
  await invitations.accept(await as(userId), invitationId, emailOf(userId));
}

test("every membership change is published in its transaction, versions rising in the order of the changes", async () => {
  const project = await projects.create(await as(ALICE), { name: "Garden" });
  await join(project.id, BOB, "editor");
  await join(project.id, CAROL, "viewer");
  await projects.changeRole(await as(ALICE), project.id, CAROL, "editor");
  await projects.removeMember(await as(ALICE), project.id, BOB);
  await projects.removeMember(await as(CAROL), project.id, CAROL);
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
  const project = await projects.create(await as(ALICE), { name: "Shed" });
  await join(project.id, BOB, "viewer");
  const before = (await events()).length;
  await expect(projects.changeRole(await as(ALICE), project.id, ALICE, "editor")).rejects.toBeDefined();
  await expect(projects.removeMember(await as(BOB), project.id, ALICE)).rejects.toBeDefined();
  expect(await events()).toHaveLength(before);
  await projects.remove(await as(ALICE), project.id);
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

import { CursorCodec } from "../../libs/task-query";
import { packAbility } from "../../libs/authz";
import { ManualClock } from "../../libs/clock";
import { AuthMeta, createTaskInput } from "../../libs/contracts";
import { postgresDb } from "../../test/support/db";
import { emailOf } from "../../test/support/sharing";
import { InvitationStore } from "./invitation-store";
import { migrations, TASKS_SCHEMA } from "./migrations";
import { ProjectStore } from "./project-store";
import { TaskStore } from "./task-store";
import { TaskWriter } from "./task-writer";

const ALICE = "00000000-0000-4000-8000-00000000000a";
const BOB = "00000000-0000-4000-8000-00000000000b";
const CAROL = "00000000-0000-4000-8000-00000000000c";
const LIMITS = { projectsPerUser: 3, invitationsPerHour: 4, membersPerProject: 3 };

let pg: Awaited<ReturnType<typeof postgresDb>>;
let projects: ProjectStore;
let invitations: InvitationStore;
let tasks: TaskStore;
let wakes = 0;
const clock = new ManualClock(new Date("2026-03-01T10:00:00Z"));

beforeAll(async () => {
  pg = await postgresDb(5, { schema: TASKS_SCHEMA, migrations });
  const writer = new TaskWriter(pg.db, clock, () => wakes++);
  projects = new ProjectStore(writer, new CursorCodec("invitation-store-test-cursor-secret-0123456789", clock), LIMITS);
  invitations = new InvitationStore(writer, LIMITS);
  tasks = new TaskStore(writer);
});
beforeEach(() => pg.db.raw(`truncate ${TASKS_SCHEMA}.projects, ${TASKS_SCHEMA}.tasks, ${TASKS_SCHEMA}.outbox cascade`));
afterAll(() => pg.close());

const as = async (userId: string): Promise<AuthMeta> => packAbility({ id: userId, roles: ["member"] }, await projects.memberships(userId));
const failure = (p: Promise<unknown>) => p.then(() => "ok", (err: { type?: string; data?: { retryAfterSeconds?: number } }) => err.type ?? String(err));
const invitationEvents = async () =>
  (await pg.db(`${TASKS_SCHEMA}.outbox`).where({ channel: "invitation.created" }).orderBy("id").select("payload")).map((r) => r.payload);

test("an invitee is not a member, sees nothing and is not assignable until they accept; then they are", async () => {
  const project = await projects.create(await as(ALICE), { name: "Garden" });
  const task = await tasks.create(await as(ALICE), createTaskInput.parse({ title: "Dig", projectId: project.id }));
  const woken = wakes;
  const { invitationId } = await invitations.invite(await as(ALICE), project.id, emailOf(BOB), "editor", BOB);

  expect(await projects.memberships(BOB)).toEqual([]);
  expect(await failure(tasks.get(await as(BOB), task.id))).toBe("NOT_FOUND");
  expect(await failure(projects.get(await as(BOB), project.id))).toBe("NOT_FOUND");
  const assign = createTaskInput.parse({ title: "Sow", projectId: project.id, assigneeId: BOB });
  expect(await failure(tasks.create(await as(ALICE), assign))).toBe("VALIDATION");
  // The invitee is told through the tasks outbox, which is woken when the invitation commits.
  expect(await invitationEvents()).toEqual([
    { key: invitationId, invitationId, projectId: project.id, projectName: "Garden", role: "editor", recipientId: BOB, invitedById: ALICE, createdAt: clock.now().toISOString() },
  ]);
  expect(wakes).toBe(woken + 1);

  expect(await invitations.mine(await as(BOB), emailOf(BOB))).toEqual([
    { id: invitationId, projectId: project.id, projectName: "Garden", role: "editor", invitedById: ALICE, createdAt: clock.now().toISOString() },
  ]);
  expect(await invitations.accept(await as(BOB), invitationId, emailOf(BOB))).toEqual({ projectId: project.id, userId: BOB, role: "editor" });
  expect(await projects.memberships(BOB)).toEqual([{ projectId: project.id, role: "editor" }]);
  expect((await tasks.get(await as(BOB), task.id)).id).toBe(task.id);
  expect(await invitations.mine(await as(BOB), emailOf(BOB))).toEqual([]);
  // Answered once: the same invitation cannot be accepted or declined again.
  expect(await failure(invitations.decline(await as(BOB), invitationId, emailOf(BOB)))).toBe("NOT_FOUND");
});

test("an invitation to an email without an account waits for it; nobody else can answer it", async () => {
  const project = await projects.create(await as(ALICE), { name: "Choir" });
  const { invitationId } = await invitations.invite(await as(ALICE), project.id, "new.person@example.test", "viewer");
  // No account, no one to tell: the event waits for no one.
  expect(await invitationEvents()).toEqual([]);
  expect(await failure(invitations.accept(await as(CAROL), invitationId, emailOf(CAROL)))).toBe("NOT_FOUND");
  expect(await invitations.pendingOf(await as(ALICE), project.id)).toEqual([
    { id: invitationId, email: "new.person@example.test", role: "viewer", createdAt: clock.now().toISOString() },
  ]);

  // Carol registers with that email: the invitation is hers by email.
  expect((await invitations.mine(await as(CAROL), "new.person@example.test")).map((i) => i.id)).toEqual([invitationId]);
  await invitations.decline(await as(CAROL), invitationId, "new.person@example.test");
  expect(await invitations.mine(await as(CAROL), "new.person@example.test")).toEqual([]);
  expect(await projects.memberships(CAROL)).toEqual([]);
  expect(await invitations.pendingOf(await as(ALICE), project.id)).toEqual([]);
});

test("only the owner sees and revokes invitations; a revoked one cannot be accepted; duplicates are 409", async () => {
  const project = await projects.create(await as(ALICE), { name: "Band" });
  const { invitationId: toBob } = await invitations.invite(await as(ALICE), project.id, emailOf(BOB), "editor", BOB);
  await invitations.accept(await as(BOB), toBob, emailOf(BOB));
  expect(await failure(invitations.invite(await as(ALICE), project.id, emailOf(BOB), "viewer", BOB))).toBe("CONFLICT");
  expect(await failure(invitations.invite(await as(BOB), project.id, emailOf(CAROL), "viewer", CAROL))).toBe("FORBIDDEN");
  expect(await failure(invitations.invite(await as(CAROL), project.id, emailOf(CAROL), "viewer", CAROL))).toBe("NOT_FOUND");

  const { invitationId } = await invitations.invite(await as(ALICE), project.id, emailOf(CAROL), "viewer", CAROL);
  expect(await failure(invitations.invite(await as(ALICE), project.id, emailOf(CAROL), "viewer", CAROL))).toBe("CONFLICT");
  expect(await failure(invitations.pendingOf(await as(BOB), project.id))).toBe("FORBIDDEN");
  expect(await failure(invitations.revoke(await as(BOB), project.id, invitationId))).toBe("FORBIDDEN");
  await invitations.revoke(await as(ALICE), project.id, invitationId);
  expect(await failure(invitations.accept(await as(CAROL), invitationId, emailOf(CAROL)))).toBe("NOT_FOUND");
  expect(await failure(invitations.revoke(await as(ALICE), project.id, invitationId))).toBe("NOT_FOUND");
});

test("limits: members with pending invitations per project, invitations per hour, projects per owner", async () => {
  const retryAfter = (p: Promise<unknown>) => p.then(() => undefined, (err: { type?: string; data?: { retryAfterSeconds?: number } }) => [err.type, err.data?.retryAfterSeconds]);
  const first = await projects.create(await as(ALICE), { name: "One" });
  await invitations.invite(await as(ALICE), first.id, "a@example.test", "viewer");
  await invitations.invite(await as(ALICE), first.id, "b@example.test", "viewer");
  // The owner and two pending invitations make three: the project is full.
  expect(await retryAfter(invitations.invite(await as(ALICE), first.id, "c@example.test", "viewer"))).toEqual(["RATE_LIMITED", 3600]);

  const [p, q, r] = [await projects.create(await as(BOB), { name: "P" }), await projects.create(await as(BOB), { name: "Q" }), await projects.create(await as(BOB), { name: "R" })];
  await invitations.invite(await as(BOB), p.id, "a@example.test", "viewer");
  await invitations.invite(await as(BOB), p.id, "b@example.test", "viewer");
  clock.advance(10 * 60_000);
  await invitations.invite(await as(BOB), q.id, "c@example.test", "viewer");
  await invitations.invite(await as(BOB), q.id, "d@example.test", "viewer");
  // Four within the hour; the first two age out in 50 minutes.
  expect(await retryAfter(invitations.invite(await as(BOB), r.id, "e@example.test", "viewer"))).toEqual(["RATE_LIMITED", 3000]);
  clock.advance(50 * 60_000 + 1);
  expect(await retryAfter(invitations.invite(await as(BOB), r.id, "e@example.test", "viewer"))).toBeUndefined();

  // Alice owns One; two more make three.
  const second = await projects.create(await as(ALICE), { name: "Two" });
  await projects.create(await as(ALICE), { name: "Three" });
  expect(await retryAfter(projects.create(await as(ALICE), { name: "Four" }))).toEqual(["RATE_LIMITED", 3600]);
  await projects.remove(await as(ALICE), second.id);
  expect((await projects.create(await as(ALICE), { name: "Four" })).name).toBe("Four");
});

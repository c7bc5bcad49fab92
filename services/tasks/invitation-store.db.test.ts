import { ALICE, BOB, CAROL, useTasksDb } from "../../test/support/tasks-db";
import { createTaskInput } from "../../libs/contracts";
import { emailOf } from "../../test/support/sharing";
import { TASKS_SCHEMA } from "./migrations";

const LIMITS = { projectsPerUser: 3, invitationsPerHour: 4, membersPerProject: 3 };
const fx = useTasksDb(LIMITS);
beforeEach(() => fx.truncate());
const failure = (p: Promise<unknown>) => p.then(() => "ok", (err: { type?: string; data?: { retryAfterSeconds?: number } }) => err.type ?? String(err));
const invitationEvents = async () =>
  (await fx.db(`${TASKS_SCHEMA}.outbox`).where({ channel: "invitation.created" }).orderBy("id").select("payload")).map((r) => r.payload);

test("an invitee is not a member, sees nothing and is not assignable until they accept; then they are", async () => {
  const project = await fx.projects.create(await fx.as(ALICE), { name: "Garden" });
  const task = await fx.tasks.create(await fx.as(ALICE), createTaskInput.parse({ title: "Dig", projectId: project.id }));
  const woken = fx.wakes;
  const { invitationId } = await fx.invitations.invite(await fx.as(ALICE), project.id, emailOf(BOB), "editor", BOB);

  expect(await fx.projects.memberships(BOB)).toEqual([]);
  expect(await failure(fx.tasks.get(await fx.as(BOB), task.id))).toBe("NOT_FOUND");
  expect(await failure(fx.projects.get(await fx.as(BOB), project.id))).toBe("NOT_FOUND");
  const assign = createTaskInput.parse({ title: "Sow", projectId: project.id, assigneeId: BOB });
  expect(await failure(fx.tasks.create(await fx.as(ALICE), assign))).toBe("VALIDATION");
  // The invitee is told through the tasks outbox, which is woken when the invitation commits.
  expect(await invitationEvents()).toEqual([
    { key: invitationId, invitationId, projectId: project.id, projectName: "Garden", role: "editor", recipientId: BOB, invitedById: ALICE, createdAt: fx.clock.now().toISOString() },
  ]);
  expect(fx.wakes).toBe(woken + 1);

  expect(await fx.invitations.mine(await fx.as(BOB), emailOf(BOB))).toEqual([
    { id: invitationId, projectId: project.id, projectName: "Garden", role: "editor", invitedById: ALICE, createdAt: fx.clock.now().toISOString() },
  ]);
  expect(await fx.invitations.accept(await fx.as(BOB), invitationId, emailOf(BOB))).toEqual({ projectId: project.id, userId: BOB, role: "editor" });
  expect(await fx.projects.memberships(BOB)).toEqual([{ projectId: project.id, role: "editor" }]);
  expect((await fx.tasks.get(await fx.as(BOB), task.id)).id).toBe(task.id);
  expect(await fx.invitations.mine(await fx.as(BOB), emailOf(BOB))).toEqual([]);
  // Answered once: the same invitation cannot be accepted or declined again.
  expect(await failure(fx.invitations.decline(await fx.as(BOB), invitationId, emailOf(BOB)))).toBe("NOT_FOUND");
});

test("an invitation to an email without an account waits for it; nobody else can answer it", async () => {
  const project = await fx.projects.create(await fx.as(ALICE), { name: "Choir" });
  const { invitationId } = await fx.invitations.invite(await fx.as(ALICE), project.id, "new.person@example.test", "viewer");
  // No account, no one to tell: the event waits for no one.
  expect(await invitationEvents()).toEqual([]);
  expect(await failure(fx.invitations.accept(await fx.as(CAROL), invitationId, emailOf(CAROL)))).toBe("NOT_FOUND");
  expect(await fx.invitations.pendingOf(await fx.as(ALICE), project.id)).toEqual([
    { id: invitationId, email: "new.person@example.test", role: "viewer", createdAt: fx.clock.now().toISOString() },
  ]);

  // Carol registers with that email: the invitation is hers by email.
  expect((await fx.invitations.mine(await fx.as(CAROL), "new.person@example.test")).map((i) => i.id)).toEqual([invitationId]);
  await fx.invitations.decline(await fx.as(CAROL), invitationId, "new.person@example.test");
  expect(await fx.invitations.mine(await fx.as(CAROL), "new.person@example.test")).toEqual([]);
  expect(await fx.projects.memberships(CAROL)).toEqual([]);
  expect(await fx.invitations.pendingOf(await fx.as(ALICE), project.id)).toEqual([]);
});

test("only the owner sees and revokes invitations; a revoked one cannot be accepted; duplicates are 409", async () => {
  const project = await fx.projects.create(await fx.as(ALICE), { name: "Band" });
  const { invitationId: toBob } = await fx.invitations.invite(await fx.as(ALICE), project.id, emailOf(BOB), "editor", BOB);
  await fx.invitations.accept(await fx.as(BOB), toBob, emailOf(BOB));
  expect(await failure(fx.invitations.invite(await fx.as(ALICE), project.id, emailOf(BOB), "viewer", BOB))).toBe("CONFLICT");
  expect(await failure(fx.invitations.invite(await fx.as(BOB), project.id, emailOf(CAROL), "viewer", CAROL))).toBe("FORBIDDEN");
  expect(await failure(fx.invitations.invite(await fx.as(CAROL), project.id, emailOf(CAROL), "viewer", CAROL))).toBe("NOT_FOUND");

  const { invitationId } = await fx.invitations.invite(await fx.as(ALICE), project.id, emailOf(CAROL), "viewer", CAROL);
  expect(await failure(fx.invitations.invite(await fx.as(ALICE), project.id, emailOf(CAROL), "viewer", CAROL))).toBe("CONFLICT");
  expect(await failure(fx.invitations.pendingOf(await fx.as(BOB), project.id))).toBe("FORBIDDEN");
  expect(await failure(fx.invitations.revoke(await fx.as(BOB), project.id, invitationId))).toBe("FORBIDDEN");
  await fx.invitations.revoke(await fx.as(ALICE), project.id, invitationId);
  expect(await failure(fx.invitations.accept(await fx.as(CAROL), invitationId, emailOf(CAROL)))).toBe("NOT_FOUND");
  expect(await failure(fx.invitations.revoke(await fx.as(ALICE), project.id, invitationId))).toBe("NOT_FOUND");
});

test("limits: members with pending invitations per project, invitations per hour, projects per owner", async () => {
  const retryAfter = (p: Promise<unknown>) => p.then(() => undefined, (err: { type?: string; data?: { retryAfterSeconds?: number } }) => [err.type, err.data?.retryAfterSeconds]);
  const first = await fx.projects.create(await fx.as(ALICE), { name: "One" });
  await fx.invitations.invite(await fx.as(ALICE), first.id, "a@example.test", "viewer");
  await fx.invitations.invite(await fx.as(ALICE), first.id, "b@example.test", "viewer");
  // The owner and two pending invitations make three: the project is full.
  expect(await retryAfter(fx.invitations.invite(await fx.as(ALICE), first.id, "c@example.test", "viewer"))).toEqual(["RATE_LIMITED", 3600]);

  const [p, q, r] = [await fx.projects.create(await fx.as(BOB), { name: "P" }), await fx.projects.create(await fx.as(BOB), { name: "Q" }), await fx.projects.create(await fx.as(BOB), { name: "R" })];
  await fx.invitations.invite(await fx.as(BOB), p.id, "a@example.test", "viewer");
  await fx.invitations.invite(await fx.as(BOB), p.id, "b@example.test", "viewer");
  fx.clock.advance(10 * 60_000);
  await fx.invitations.invite(await fx.as(BOB), q.id, "c@example.test", "viewer");
  await fx.invitations.invite(await fx.as(BOB), q.id, "d@example.test", "viewer");
  // Four within the hour; the first two age out in 50 minutes.
  expect(await retryAfter(fx.invitations.invite(await fx.as(BOB), r.id, "e@example.test", "viewer"))).toEqual(["RATE_LIMITED", 3000]);
  fx.clock.advance(50 * 60_000 + 1);
  expect(await retryAfter(fx.invitations.invite(await fx.as(BOB), r.id, "e@example.test", "viewer"))).toBeUndefined();

  // Alice owns One; two more make three.
  const second = await fx.projects.create(await fx.as(ALICE), { name: "Two" });
  await fx.projects.create(await fx.as(ALICE), { name: "Three" });
  expect(await retryAfter(fx.projects.create(await fx.as(ALICE), { name: "Four" }))).toEqual(["RATE_LIMITED", 3600]);
  await fx.projects.remove(await fx.as(ALICE), second.id);
  expect((await fx.projects.create(await fx.as(ALICE), { name: "Four" })).name).toBe("Four");
});

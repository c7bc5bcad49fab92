import { Api, TestUser } from "../support/api";
import { StreamClient } from "../support/sse";
import { RunningStack, startStack } from "../support/stack";

/** Low limits, to reach them in a few requests (the tasks process declares them in deploy/services.ts). */
const LIMITS = { PROJECTS_PER_USER: "3", INVITATIONS_PER_HOUR: "5", MEMBERS_PER_PROJECT: "3" };

let stack: RunningStack;
let api: Api;
beforeAll(async () => {
  stack = await startStack(undefined, LIMITS);
  api = new Api(stack.baseUrl);
}, 90_000);
afterAll(() => stack?.stop(), 30_000);

const freshEmail = () => `someone-${Date.now()}-${Math.random().toString(16).slice(2)}@example.com`;
const invite = (owner: TestUser, projectId: string, email: string, role = "editor") => api.post(`/projects/${projectId}/members`, { email, role }, { token: owner.accessToken });
const newProject = async (owner: TestUser, name = "Allotment") => (await api.post("/projects", { name }, { token: owner.accessToken })).body.id as string;

async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  let value = await read();
  for (let i = 0; i < 100 && !done(value); i++) {
    await new Promise((r) => setTimeout(r, 100));
    value = await read();
  }
  return value;
}

test("inviting an account and an unknown email answer alike; the invitee sees nothing until they accept", async () => {
  const [owner, invitee] = [await api.newUser({ name: "Olive Owner" }), await api.newUser({ name: "Ivy Invitee" })];
  const projectId = await newProject(owner);
  const taskId = (await api.post("/tasks", { title: "Turn the compost", projectId }, { token: owner.accessToken })).body.id;
  const stream = new StreamClient(`${stack.baseUrl}/api/v1/notifications/stream`, { token: invitee.accessToken });
  try {
    await stream.opened;
    const known = await invite(owner, projectId, invitee.email.toUpperCase());
    const unknown = await invite(owner, projectId, freshEmail());
    expect([known.status, unknown.status]).toEqual([202, 202]);
    expect(Object.keys(known.body)).toEqual(["invitationId"]);
    expect(Object.keys(unknown.body)).toEqual(["invitationId"]);

    // Not a member yet: the project, its tasks and assignment are all out of reach.
    expect((await api.get(`/projects/${projectId}`, { token: invitee.accessToken })).status).toBe(404);
    expect((await api.get(`/tasks/${taskId}`, { token: invitee.accessToken })).status).toBe(404);
    const assigned = await api.post("/tasks", { title: "Weed", projectId, assigneeId: invitee.user.id }, { token: owner.accessToken });
    expect(assigned.status).toBe(422);
    expect((await api.get(`/projects/${projectId}/members`, { token: owner.accessToken })).body.items.map((m: { userId: string }) => m.userId)).toEqual([owner.user.id]);

    const mine = await api.get("/invitations", { token: invitee.accessToken });
    expect(mine.status).toBe(200);
    expect(mine.body.items).toEqual([
      { id: known.body.invitationId, projectId, projectName: "Allotment", role: "editor", invitedBy: { name: "Olive Owner" }, createdAt: expect.any(String) },
    ]);
    // The invitation is in the inbox and on the stream, as an invitation, not a reminder.
    const inbox = await eventually(
      async () => (await api.get("/notifications", { token: invitee.accessToken })).body.items,
      (items: unknown[]) => items.length > 0,
    );
    expect(inbox).toEqual([expect.objectContaining({ kind: "invitation", invitationId: known.body.invitationId, projectId, taskId: null, reminderId: null, fireAt: null })]);
    await eventually(async () => stream.invitations.length, (n) => n > 0);
    expect(stream.invitations.map((e) => e.data.invitationId)).toEqual([known.body.invitationId]);
    expect(stream.received).toEqual([]);

    const accepted = await api.post(`/invitations/${known.body.invitationId}/accept`, undefined, { token: invitee.accessToken });
    expect(accepted.status).toBe(200);
    expect(accepted.body).toEqual({ projectId, userId: invitee.user.id, role: "editor" });
    expect((await api.get(`/tasks/${taskId}`, { token: invitee.accessToken })).status).toBe(200);
    expect((await api.get(`/projects/${projectId}`, { token: invitee.accessToken })).body.role).toBe("editor");
    expect((await api.get("/invitations", { token: invitee.accessToken })).body.items).toEqual([]);
  } finally {
    stream.close();
  }
});

test("an invitation to an unregistered email waits for it; only its addressee answers it", async () => {
  const owner = await api.newUser();
  const stranger = await api.newUser();
  const projectId = await newProject(owner, "Choir");
  const email = freshEmail();
  const { invitationId } = (await invite(owner, projectId, email, "viewer")).body;
  expect((await api.post(`/invitations/${invitationId}/accept`, undefined, { token: stranger.accessToken })).status).toBe(404);
  expect((await api.post(`/invitations/${invitationId}/decline`, undefined, { token: stranger.accessToken })).status).toBe(404);

  const newcomer = await api.newUser({ email: email.toUpperCase() });
  const pending = await api.get("/invitations", { token: newcomer.accessToken });
  expect(pending.body.items.map((i: { id: string }) => i.id)).toEqual([invitationId]);
  expect((await api.post(`/invitations/${invitationId}/decline`, undefined, { token: newcomer.accessToken })).status).toBe(204);
  expect((await api.get("/invitations", { token: newcomer.accessToken })).body.items).toEqual([]);
  expect((await api.get(`/projects/${projectId}`, { token: newcomer.accessToken })).status).toBe(404);
  expect((await api.post(`/invitations/${invitationId}/accept`, undefined, { token: newcomer.accessToken })).status).toBe(404);
});

test("the owner lists and revokes pending invitations; a revoked one cannot be accepted", async () => {
  const [owner, invitee] = [await api.newUser(), await api.newUser()];
  const projectId = await newProject(owner, "Band");
  const { invitationId } = (await invite(owner, projectId, invitee.email, "viewer")).body;
  const listed = await api.get(`/projects/${projectId}/invitations`, { token: owner.accessToken });
  expect(listed.body.items).toEqual([{ id: invitationId, email: invitee.email, role: "viewer", createdAt: expect.any(String) }]);
  expect((await invite(owner, projectId, invitee.email, "editor")).status).toBe(409);
  expect((await api.delete(`/projects/${projectId}/invitations/${invitationId}`, { token: owner.accessToken })).status).toBe(204);
  expect((await api.get(`/projects/${projectId}/invitations`, { token: owner.accessToken })).body.items).toEqual([]);
  expect((await api.post(`/invitations/${invitationId}/accept`, undefined, { token: invitee.accessToken })).status).toBe(404);
});

test("limits answer 429 with Retry-After: members and pending invitations, invitations per hour, projects", async () => {
  const owner = await api.newUser();
  const full = await newProject(owner, "Full");
  expect((await invite(owner, full, freshEmail())).status).toBe(202);
  expect((await invite(owner, full, freshEmail())).status).toBe(202);
  const crowded = await invite(owner, full, freshEmail());
  expect(crowded.status).toBe(429);
  expect(Number(crowded.headers.get("retry-after"))).toBeGreaterThan(0);

  const other = await newProject(owner, "Other");
  expect((await invite(owner, other, freshEmail())).status).toBe(202);
  expect((await invite(owner, other, freshEmail())).status).toBe(202);
  const third = await newProject(owner, "Third");
  expect((await invite(owner, third, freshEmail())).status).toBe(202);
  // Five sent within the hour: the sixth waits until the first is an hour old.
  const hourly = await invite(owner, third, freshEmail());
  expect(hourly.status).toBe(429);
  expect(Number(hourly.headers.get("retry-after"))).toBeGreaterThan(3500);

  const tooMany = await api.post("/projects", { name: "Fourth" }, { token: owner.accessToken });
  expect(tooMany.status).toBe(429);
  expect(tooMany.headers.get("retry-after")).toBe("3600");
});

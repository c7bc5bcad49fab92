import { Api, share, TestUser } from "../support/api";
import { StreamClient } from "../support/sse";
import { RunningStack, startStack } from "../support/stack";

const ADMIN = { email: "boss@example.com", password: "admin-password-123" };
const ROLES = ["owner", "editor", "viewer", "outsider", "admin", "anonymous"] as const;
type Role = (typeof ROLES)[number];

let stack: RunningStack;
let api: Api;
const tokens = {} as Record<Role, string | undefined>;
const ids = {} as Record<Role, string>;
const people = {} as Record<"owner" | "editor" | "viewer" | "outsider", TestUser>;
let projectId: string;
/** Another project, where owner, editor and viewer all edit: somewhere to move tasks to. */
let elsewhere: string;
let taskId: string;

beforeAll(async () => {
  // Webhooks in the matrix point at the discard port on loopback: allowed, and refused at once.
  stack = await startStack(undefined, { ADMIN_EMAIL: ADMIN.email, ADMIN_PASSWORD: ADMIN.password, WEBHOOK_ALLOWED_HOSTS: "127.0.0.1" });
  api = new Api(stack.baseUrl);
  for (const role of ["owner", "editor", "viewer", "outsider"] as const) {
    const u = await api.newUser();
    people[role] = u;
    tokens[role] = u.accessToken;
    ids[role] = u.user.id;
  }
  const admin = await api.post("/auth/login", ADMIN);
  tokens.admin = admin.body.accessToken;
  ids.admin = admin.body.user.id;
  tokens.anonymous = undefined;
  projectId = (await api.post("/projects", { name: "Household" }, { token: tokens.owner })).body.id;
  for (const role of ["editor", "viewer"] as const) await share(api, people.owner, projectId, people[role], role);
  const host = await api.newUser();
  elsewhere = (await api.post("/projects", { name: "Elsewhere" }, { token: host.accessToken })).body.id;
  for (const role of ["owner", "editor", "viewer"] as const) await share(api, host, elsewhere, people[role], "editor");
  taskId = (await api.post("/tasks", { title: "Shared chore", projectId, dueAt: "2027-01-01T09:00:00Z", recurrence: { rrule: "FREQ=WEEKLY" } }, { token: tokens.owner })).body.id;
  // Five processes to start, five registrations (scrypt) and five invite-and-accept rounds.
}, 180_000);
afterAll(() => stack?.stop(), 30_000);

const newTask = async (by: "owner" | "editor" = "owner") => (await api.post("/tasks", { title: "Disposable", projectId }, { token: tokens[by] })).body.id as string;
/** A project task with an open subtask (issue 17). */
async function newParent() {
  const parent = await newTask();
  await api.post("/tasks", { title: "Part", parentId: parent }, { token: tokens.owner });
  return parent;
}
async function newComment(by: "owner" | "editor") {
  return (await api.post(`/tasks/${taskId}/comments`, { text: "A thought" }, { token: tokens[by] })).body.id as string;
}
async function newMember() {
  const u = await api.newUser();
  await share(api, people.owner, projectId, u, "viewer");
  return u.user.id as string;
}
async function newProject() {
  const id = (await api.post("/projects", { name: "Temporary" }, { token: tokens.owner })).body.id as string;
  for (const role of ["editor", "viewer"] as const) await share(api, people.owner, id, people[role], role);
  return id;
}
async function newInvitation() {
  const email = `pending-${Date.now()}-${Math.random().toString(16).slice(2)}@example.com`;
  return (await api.post(`/projects/${projectId}/members`, { email, role: "viewer" }, { token: tokens.owner })).body.invitationId as string;
}

const HOOK = { url: "http://127.0.0.1:9/hook", events: ["comment.created"] };
let sharedWebhook: string | undefined;
/** One subscription of the owner's for the rows that change nothing lasting (at most 25 per user). */
async function ownersWebhook() {
  return (sharedWebhook ??= await newWebhook());
}
/** The owner's subscription to the project's comments. */
async function newWebhook() {
  return (await api.post("/webhooks", { ...HOOK, projectId }, { token: tokens.owner })).body.id as string;
}
/** The owner's subscription and one of its deliveries (a comment on the project's task). */
async function newDelivery() {
  const id = await newWebhook();
  await newComment("editor");
  for (let i = 0; i < 100; i++) {
    const [delivery] = (await api.get(`/webhooks/${id}/deliveries`, { token: tokens.owner })).body.items;
    if (delivery) return { id, deliveryId: delivery.id as string };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("no delivery recorded");
}
/** An import (issue 18): a multipart upload, which the JSON client does not send. */
const ICS = "BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\nUID:authz-1\r\nSUMMARY:Imported\r\nEND:VTODO\r\nEND:VCALENDAR\r\n";
async function postImport(token: string | undefined) {
  const form = new FormData();
  form.append("format", "ics");
  form.append("file", new Blob([ICS]), "tasks.ics");
  const res = await fetch(`${stack.baseUrl}/api/v1/imports`, { method: "POST", headers: token ? { authorization: `Bearer ${token}` } : {}, body: form });
  return { status: res.status, body: (await res.json()) as { id?: string } };
}
let ownersImportId: string | undefined;
async function ownersImport() {
  ownersImportId ??= (await postImport(tokens.owner)).body.id as string;
  return ownersImportId;
}

interface Row {
  route: string;
  /** Builds the request; may create what a destructive call consumes, once per role. */
  request: () => Promise<{ method: string; path: string; body?: unknown }>;
  expect: Record<Role, number>;
}

const read = { owner: 200, editor: 200, viewer: 200, outsider: 404, admin: 404, anonymous: 401 };
const change = (ok: number) => ({ owner: ok, editor: ok, viewer: 403, outsider: 404, admin: 404, anonymous: 401 });
const ownerOnly = (ok: number) => ({ owner: ok, editor: 403, viewer: 403, outsider: 404, admin: 404, anonymous: 401 });

const table: Row[] = [
  { route: "GET /tasks/:id", request: async () => ({ method: "GET", path: `/tasks/${taskId}` }), expect: read },
  { route: "GET /tasks/:id/occurrences", request: async () => ({ method: "GET", path: `/tasks/${taskId}/occurrences` }), expect: read },
  { route: "GET /tasks/:id/completions", request: async () => ({ method: "GET", path: `/tasks/${taskId}/completions` }), expect: read },
  { route: "PATCH /tasks/:id", request: async () => ({ method: "PATCH", path: `/tasks/${taskId}`, body: { priority: "high" } }), expect: change(200) },
  { route: "POST /tasks/:id/complete", request: async () => ({ method: "POST", path: `/tasks/${await newTask()}/complete` }), expect: change(200) },
  { route: "POST /tasks/:id/reminders", request: async () => ({ method: "POST", path: `/tasks/${taskId}/reminders`, body: { offset: "-PT5M" } }), expect: change(201) },
  { route: "DELETE /tasks/:id", request: async () => ({ method: "DELETE", path: `/tasks/${await newTask()}` }), expect: change(204) },
  { route: "POST /tasks (in the project)", request: async () => ({ method: "POST", path: "/tasks", body: { title: "New", projectId } }), expect: change(201) },
  {
    route: "PATCH /tasks/:id (move out of the project)",
    request: async () => ({ method: "PATCH", path: `/tasks/${await newTask()}`, body: { projectId: null } }),
    // Only its owner can take a shared task private; others keep it where everyone sees it.
    expect: { owner: 200, editor: 403, viewer: 403, outsider: 404, admin: 404, anonymous: 401 },
  },
  {
    route: "PATCH /tasks/:id (the owner's task into another project)",
    request: async () => ({ method: "PATCH", path: `/tasks/${await newTask()}`, body: { projectId: elsewhere } }),
    // An editor may not carry someone else's task off where the project's members lose it.
    expect: { owner: 200, editor: 403, viewer: 403, outsider: 404, admin: 404, anonymous: 401 },
  },
  {
    route: "PATCH /tasks/:id (an editor's task into another project)",
    request: async () => ({ method: "PATCH", path: `/tasks/${await newTask("editor")}`, body: { projectId: elsewhere } }),
    // The task's owner, and the source project's owner, may move it; both edit the destination.
    expect: { owner: 200, editor: 200, viewer: 403, outsider: 404, admin: 404, anonymous: 401 },
  },
  {
    route: "PATCH /tasks/:id (an editor's task to private)",
    request: async () => ({ method: "PATCH", path: `/tasks/${await newTask("editor")}`, body: { projectId: null } }),
    // Private means its owner's alone: the project's owner may move it elsewhere, not make it theirs.
    expect: { owner: 403, editor: 200, viewer: 403, outsider: 404, admin: 404, anonymous: 401 },
  },
  { route: "GET /projects/:id", request: async () => ({ method: "GET", path: `/projects/${projectId}` }), expect: read },
  { route: "GET /projects/:id/members", request: async () => ({ method: "GET", path: `/projects/${projectId}/members` }), expect: read },
  { route: "PATCH /projects/:id", request: async () => ({ method: "PATCH", path: `/projects/${projectId}`, body: { name: "Home" } }), expect: ownerOnly(200) },
  {
    route: "POST /projects/:id/members",
    request: async () => ({ method: "POST", path: `/projects/${projectId}/members`, body: { email: (await api.newUser()).email, role: "viewer" } }),
    expect: ownerOnly(202),
  },
  { route: "GET /projects/:id/invitations", request: async () => ({ method: "GET", path: `/projects/${projectId}/invitations` }), expect: ownerOnly(200) },
  {
    route: "DELETE /projects/:id/invitations/:invitationId",
    request: async () => ({ method: "DELETE", path: `/projects/${projectId}/invitations/${await newInvitation()}` }),
    expect: ownerOnly(204),
  },
  {
    route: "PATCH /projects/:id/members/:userId",
    request: async () => ({ method: "PATCH", path: `/projects/${projectId}/members/${await newMember()}`, body: { role: "editor" } }),
    expect: ownerOnly(200),
  },
  {
    route: "DELETE /projects/:id/members/:userId",
    request: async () => ({ method: "DELETE", path: `/projects/${projectId}/members/${await newMember()}` }),
    expect: ownerOnly(204),
  },
  { route: "DELETE /projects/:id", request: async () => ({ method: "DELETE", path: `/projects/${await newProject()}` }), expect: ownerOnly(204) },
  // Subtasks, dependencies, history (issue 17). A parent or blocker the caller cannot see is
  // refused as invalid input (422), the same as one that does not exist.
  {
    route: "POST /tasks (a subtask)",
    request: async () => ({ method: "POST", path: "/tasks", body: { title: "Sub", parentId: taskId } }),
    expect: { owner: 201, editor: 201, viewer: 403, outsider: 422, admin: 422, anonymous: 401 },
  },
  {
    route: "POST /tasks/:id/complete (children: complete)",
    request: async () => ({ method: "POST", path: `/tasks/${await newParent()}/complete`, body: { children: "complete" } }),
    expect: change(200),
  },
  { route: "DELETE /tasks/:id?children=delete", request: async () => ({ method: "DELETE", path: `/tasks/${await newParent()}?children=delete` }), expect: change(204) },
  {
    route: "PATCH /tasks/:id (blockedBy)",
    request: async () => ({ method: "PATCH", path: `/tasks/${await newTask()}`, body: { blockedBy: [taskId] } }),
    expect: change(200),
  },
  { route: "GET /tasks/:id/history", request: async () => ({ method: "GET", path: `/tasks/${taskId}/history` }), expect: read },
  { route: "GET /tasks/:id/comments", request: async () => ({ method: "GET", path: `/tasks/${taskId}/comments` }), expect: read },
  {
    route: "POST /tasks/:id/comments",
    request: async () => ({ method: "POST", path: `/tasks/${taskId}/comments`, body: { text: "Noted" } }),
    // Viewers comment: discussing a task is reading it, not changing it.
    expect: { owner: 201, editor: 201, viewer: 201, outsider: 404, admin: 404, anonymous: 401 },
  },
  {
    route: "PATCH /comments/:id (the owner's comment)",
    request: async () => ({ method: "PATCH", path: `/comments/${await newComment("owner")}`, body: { text: "Changed" } }),
    expect: { owner: 200, editor: 403, viewer: 403, outsider: 404, admin: 404, anonymous: 401 },
  },
  {
    route: "DELETE /comments/:id (an editor's comment)",
    request: async () => ({ method: "DELETE", path: `/comments/${await newComment("editor")}` }),
    // Its author, or the project's owner.
    expect: { owner: 204, editor: 204, viewer: 403, outsider: 404, admin: 404, anonymous: 401 },
  },
  { route: "GET /projects/:id/history", request: async () => ({ method: "GET", path: `/projects/${projectId}/history` }), expect: read },
  // Outbound webhooks (issue 18): a project's subscriptions are its owner's; a subscription is its creator's alone.
  {
    route: "POST /webhooks (a project's events)",
    request: async () => ({ method: "POST", path: "/webhooks", body: { ...HOOK, projectId } }),
    expect: { owner: 201, editor: 403, viewer: 403, outsider: 404, admin: 404, anonymous: 401 },
  },
  {
    route: "POST /webhooks (the caller's own tasks)",
    request: async () => ({ method: "POST", path: "/webhooks", body: { url: "http://127.0.0.1:9/mine", events: ["task.created"] } }),
    expect: { owner: 201, editor: 201, viewer: 201, outsider: 201, admin: 201, anonymous: 401 },
  },
  { route: "GET /webhooks", request: async () => ({ method: "GET", path: "/webhooks" }), expect: { owner: 200, editor: 200, viewer: 200, outsider: 200, admin: 200, anonymous: 401 } },
  ...(
    [
      ["GET /webhooks/:id", async () => ({ method: "GET", path: `/webhooks/${await ownersWebhook()}` }), 200],
      ["PATCH /webhooks/:id", async () => ({ method: "PATCH", path: `/webhooks/${await ownersWebhook()}`, body: { events: ["comment.created", "task.created"] } }), 200],
      ["DELETE /webhooks/:id", async () => ({ method: "DELETE", path: `/webhooks/${await newWebhook()}` }), 204],
      ["GET /webhooks/:id/deliveries", async () => ({ method: "GET", path: `/webhooks/${await ownersWebhook()}/deliveries` }), 200],
      [
        "POST /webhooks/:id/deliveries/:deliveryId/redeliver",
        async () => {
          const { id, deliveryId } = await newDelivery();
          return { method: "POST", path: `/webhooks/${id}/deliveries/${deliveryId}/redeliver` };
        },
        202,
      ],
    ] as const
  ).map(([route, request, ok]) => ({ route, request, expect: { owner: ok, editor: 404, viewer: 404, outsider: 404, admin: 404, anonymous: 401 } })),
  // An import is its importer's alone: nobody else learns it exists.
  {
    route: "GET /imports/:id (the owner's)",
    request: async () => ({ method: "GET", path: `/imports/${await ownersImport()}` }),
    expect: { owner: 200, editor: 404, viewer: 404, outsider: 404, admin: 404, anonymous: 401 },
  },
  {
    route: "GET /admin/users",
    request: async () => ({ method: "GET", path: "/admin/users" }),
    expect: { owner: 403, editor: 403, viewer: 403, outsider: 403, admin: 200, anonymous: 401 },
  },
];

test.each(table.map((row) => [row.route, row] as const))("%s", async (_route, row) => {
  const got = {} as Record<Role, number>;
  for (const role of ROLES) {
    const { method, path, body } = await row.request();
    got[role] = (await api.request(method, path, body, { token: tokens[role] })).status;
  }
  expect(got).toEqual(row.expect);
});

test("POST /imports: every signed-in user imports into their own account; anonymous 401", async () => {
  const got = {} as Record<Role, number>;
  for (const role of ROLES) got[role] = (await postImport(tokens[role])).status;
  expect(got).toEqual({ owner: 202, editor: 202, viewer: 202, outsider: 202, admin: 202, anonymous: 401 });
});

test("lists and searches show exactly what each role may see", async () => {
  const ids = async (role: Role, query: string) => (await api.get(`/tasks?${query}`, { token: tokens[role] })).body.items.map((t: { id: string }) => t.id);
  const searchable = async (role: Role) => {
    // Indexing follows the task events: give it a moment.
    for (let i = 0; i < 50 && !(await ids("owner", "q=chore")).includes(taskId); i++) await new Promise((r) => setTimeout(r, 100));
    return ids(role, "q=chore");
  };
  for (const role of ["owner", "editor", "viewer"] as const) {
    expect(await ids(role, "limit=200")).toContain(taskId);
    expect(await ids(role, `projectId=${projectId}`)).toContain(taskId);
    expect(await searchable(role)).toContain(taskId);
  }
  for (const role of ["outsider", "admin"] as const) {
    expect(await ids(role, "limit=200")).not.toContain(taskId);
    expect(await ids(role, `projectId=${projectId}`)).toEqual([]);
    expect(await searchable(role)).not.toContain(taskId);
  }
});

test("a reminder on a shared task reaches its assignee, not the other members", async () => {
  const streams = Object.fromEntries(
    (["owner", "editor", "viewer"] as const).map((role) => [role, new StreamClient(`${stack.baseUrl}/api/v1/notifications/stream`, { token: tokens[role] })]),
  ) as Record<"owner" | "editor" | "viewer", StreamClient>;
  try {
    await Promise.all(Object.values(streams).map((s) => s.opened));
    const at = new Date(Date.now() + 1500).toISOString();
    await api.post("/tasks", { title: "Feed the cat", projectId, assigneeId: ids.viewer, reminders: [{ at }] }, { token: tokens.editor });
    const [event] = await streams.viewer.waitFor(1);
    expect(event!.data.title).toBe("Feed the cat");
    // Their inboxes hold the invitations of the setup; no reminder.
    const reminders = async (r: Role) => (await api.get("/notifications", { token: tokens[r] })).body.items.filter((n: { kind: string }) => n.kind === "reminder");
    const inboxes = await Promise.all((["owner", "editor"] as const).map(reminders));
    expect(inboxes).toEqual([[], []]);
    expect(streams.owner.received).toEqual([]);
    expect(streams.editor.received).toEqual([]);
  } finally {
    Object.values(streams).forEach((s) => s.close());
  }
});

test("a removed member stops seeing the project at once: by id, in the next page, and in their stream", async () => {
  const leaver = await api.newUser();
  const project = (await api.post("/projects", { name: "Team" }, { token: tokens.owner })).body.id;
  await share(api, people.owner, project, leaver, "editor");
  const shared: string[] = [];
  for (let i = 0; i < 4; i++) shared.push((await api.post("/tasks", { title: `Team task ${i}`, projectId: project }, { token: tokens.owner })).body.id);
  const first = await api.get("/tasks?limit=2", { token: leaver.accessToken });
  expect(first.body.items).toHaveLength(2);
  let found: unknown[] = [];
  for (let i = 0; i < 50 && found.length < 4; i++) {
    found = (await api.get("/tasks?q=team", { token: leaver.accessToken })).body.items;
    if (found.length < 4) await new Promise((r) => setTimeout(r, 100));
  }
  expect(found).toHaveLength(4);
  const stream = new StreamClient(`${stack.baseUrl}/api/v1/notifications/stream`, { token: leaver.accessToken });
  try {
    await stream.opened;
    // Assigned to the leaver, due shortly after they are removed.
    await api.post("/tasks", { title: "After removal", projectId: project, assigneeId: leaver.user.id, reminders: [{ at: new Date(Date.now() + 2000).toISOString() }] }, { token: tokens.owner });
    expect((await api.delete(`/projects/${project}/members/${leaver.user.id}`, { token: tokens.owner })).status).toBe(204);

    const next = await api.get(`/tasks?limit=2&cursor=${first.body.nextCursor}`, { token: leaver.accessToken });
    expect(next.body.items).toEqual([]);
    expect((await api.get("/tasks?q=team", { token: leaver.accessToken })).body.items).toEqual([]);
    expect((await api.get(`/tasks/${shared[0]}`, { token: leaver.accessToken })).status).toBe(404);
    expect((await api.get(`/projects/${project}`, { token: leaver.accessToken })).status).toBe(404);
    // The reminder went to the task's owner instead.
    const ownerInbox = async () => (await api.get("/notifications", { token: tokens.owner })).body.items.filter((n: { title: string }) => n.title === "After removal");
    for (let i = 0; i < 100 && (await ownerInbox()).length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await ownerInbox()).toHaveLength(1);
    expect(stream.received).toEqual([]);
  } finally {
    stream.close();
  }
});

test("every creating POST honours Idempotency-Key: projects, invitations and reminders", async () => {
  const as = (key: string) => ({ token: tokens.owner, headers: { "idempotency-key": key } });
  const key = `k-${Date.now()}`;
  const [p1, p2] = [await api.post("/projects", { name: "Once" }, as(key)), await api.post("/projects", { name: "Once" }, as(key))];
  expect([p1.status, p2.status]).toEqual([201, 201]);
  expect(p2.body.id).toBe(p1.body.id);
  expect((await api.post("/projects", { name: "Other" }, as(key))).status).toBe(422);

  const newcomer = await api.newUser();
  const member = { email: newcomer.email, role: "viewer" };
  const [m1, m2] = [await api.post(`/projects/${p1.body.id}/members`, member, as(key)), await api.post(`/projects/${p1.body.id}/members`, member, as(key))];
  expect([m1.status, m2.status]).toEqual([202, 202]);
  expect(m2.body.invitationId).toBe(m1.body.invitationId);
  // Without the key a repeat is what it is: a duplicate.
  expect((await api.post(`/projects/${p1.body.id}/members`, member, { token: tokens.owner })).status).toBe(409);

  const task = (await api.post("/tasks", { title: "Keyed", dueAt: "2027-01-01T09:00:00Z" }, { token: tokens.owner })).body;
  const [r1, r2] = [await api.post(`/tasks/${task.id}/reminders`, { offset: "-PT1H" }, as(key)), await api.post(`/tasks/${task.id}/reminders`, { offset: "-PT1H" }, as(key))];
  expect([r1.status, r2.status]).toEqual([201, 201]);
  expect(r2.body.id).toBe(r1.body.id);
  expect((await api.get(`/tasks/${task.id}`, { token: tokens.owner })).body.reminders).toHaveLength(1);
});

// ---------------------------------------------------------------------------------------------
// Issue 17 (finish17): the assignee column and the invitee's own invitation routes. Kept apart
// from `table` above so rows others add there need no new column.
// ---------------------------------------------------------------------------------------------

describe("the assignee column: a viewer member assigned to the task has a viewer's rights, no more", () => {
  let assignee: TestUser;
  let assigned: string;
  /** A project task assigned to the assignee (a fresh one for what a request consumes). */
  const newAssigned = async () =>
    (await api.post("/tasks", { title: "Assigned chore", projectId, assigneeId: assignee.user.id, dueAt: "2027-01-01T09:00:00Z" }, { token: tokens.owner })).body.id as string;
  beforeAll(async () => {
    assignee = await api.newUser();
    await share(api, people.owner, projectId, assignee, "viewer");
    assigned = await newAssigned();
  }, 60_000);

  // Requests like the main table's, on a task assigned to the caller: [route, request, what the assignee and a viewer get].
  const rows: [string, () => Promise<{ method: string; path: string; body?: unknown }>, number][] = [
    ["GET /tasks/:id", async () => ({ method: "GET", path: `/tasks/${assigned}` }), 200],
    ["GET /tasks/:id/occurrences", async () => ({ method: "GET", path: `/tasks/${assigned}/occurrences` }), 200],
    ["GET /tasks/:id/completions", async () => ({ method: "GET", path: `/tasks/${assigned}/completions` }), 200],
    ["GET /tasks/:id/history", async () => ({ method: "GET", path: `/tasks/${assigned}/history` }), 200],
    ["GET /tasks/:id/comments", async () => ({ method: "GET", path: `/tasks/${assigned}/comments` }), 200],
    ["POST /tasks/:id/comments", async () => ({ method: "POST", path: `/tasks/${assigned}/comments`, body: { text: "On it" } }), 201],
    ["PATCH /tasks/:id", async () => ({ method: "PATCH", path: `/tasks/${assigned}`, body: { priority: "high" } }), 403],
    ["PATCH /tasks/:id (blockedBy)", async () => ({ method: "PATCH", path: `/tasks/${assigned}`, body: { blockedBy: [taskId] } }), 403],
    ["POST /tasks/:id/complete", async () => ({ method: "POST", path: `/tasks/${await newAssigned()}/complete` }), 403],
    ["POST /tasks/:id/reminders", async () => ({ method: "POST", path: `/tasks/${assigned}/reminders`, body: { offset: "-PT5M" } }), 403],
    ["DELETE /tasks/:id", async () => ({ method: "DELETE", path: `/tasks/${await newAssigned()}` }), 403],
    ["POST /tasks (a subtask of it)", async () => ({ method: "POST", path: "/tasks", body: { title: "Sub", parentId: assigned } }), 403],
    ["GET /projects/:id/history", async () => ({ method: "GET", path: `/projects/${projectId}/history` }), 200],
    ["GET /projects/:id/invitations", async () => ({ method: "GET", path: `/projects/${projectId}/invitations` }), 403],
  ];

  test.each(rows)("%s", async (_route, request, expected) => {
    const { method, path, body } = await request();
    const asAssignee = (await api.request(method, path, body, { token: assignee.accessToken })).status;
    const { method: m2, path: p2, body: b2 } = await request();
    const asViewer = (await api.request(m2, p2, b2, { token: tokens.viewer })).status;
    expect({ assignee: asAssignee, viewer: asViewer }).toEqual({ assignee: expected, viewer: expected });
  });

  test("the assignee lists and searches the task like any member; once removed from the project, nothing", async () => {
    const ids = async (query: string) => (await api.get(`/tasks?${query}`, { token: assignee.accessToken })).body.items.map((t: { id: string }) => t.id);
    expect(await ids("limit=200")).toContain(assigned);
    let found: string[] = [];
    for (let i = 0; i < 100 && !found.includes(assigned); i++) {
      found = await ids("q=assigned");
      if (!found.includes(assigned)) await new Promise((r) => setTimeout(r, 100));
    }
    expect(found).toContain(assigned);
    const leaver = await api.newUser();
    await share(api, people.owner, projectId, leaver, "viewer");
    const theirs = await api.post("/tasks", { title: "Leaver's chore", projectId, assigneeId: leaver.user.id }, { token: tokens.owner });
    expect(theirs.status).toBe(201);
    expect((await api.delete(`/projects/${projectId}/members/${leaver.user.id}`, { token: tokens.owner })).status).toBe(204);
    expect((await api.get(`/tasks/${theirs.body.id}`, { token: leaver.accessToken })).status).toBe(404);
    expect((await api.get(`/tasks/${theirs.body.id}`, { token: tokens.owner })).body.assigneeId).toBeNull();
  });
});

describe("the invitee's routes: only the invitee answers an invitation", () => {
  let inviteProject: string;
  beforeAll(async () => {
    inviteProject = (await api.post("/projects", { name: "Invitations" }, { token: tokens.owner })).body.id;
  });
  async function pending() {
    const invitee = await api.newUser();
    const res = await api.post(`/projects/${inviteProject}/members`, { email: invitee.email, role: "viewer" }, { token: tokens.owner });
    expect(res.status).toBe(202);
    return { invitee, id: res.body.invitationId as string };
  }

  test.each([
    ["POST /invitations/:id/accept", "accept", 200],
    ["POST /invitations/:id/decline", "decline", 204],
  ] as const)("%s", async (_route, verb, ok) => {
    const got = {} as Record<Role | "invitee", number>;
    for (const role of ROLES) got[role] = (await api.request("POST", `/invitations/${(await pending()).id}/${verb}`, undefined, { token: tokens[role] })).status;
    const { invitee, id } = await pending();
    got.invitee = (await api.request("POST", `/invitations/${id}/${verb}`, undefined, { token: invitee.accessToken })).status;
    expect(got).toEqual({ owner: 404, editor: 404, viewer: 404, outsider: 404, admin: 404, anonymous: 401, invitee: ok });
    // Answered once: a second answer, or an id that is not one, is 404 / 422.
    expect((await api.request("POST", `/invitations/${id}/${verb}`, undefined, { token: invitee.accessToken })).status).toBe(404);
    expect((await api.request("POST", `/invitations/not-an-id/${verb}`, undefined, { token: invitee.accessToken })).status).toBe(422);
  });

  test("GET /invitations: every signed-in caller sees their own pending invitations only", async () => {
    const { invitee, id } = await pending();
    const got = {} as Record<Role | "invitee", number>;
    for (const role of ROLES) {
      const res = await api.request("GET", "/invitations", undefined, { token: tokens[role] });
      got[role] = res.status;
      if (res.status === 200) expect((res.body.items as { id: string }[]).map((i) => i.id)).not.toContain(id);
    }
    const mine = await api.request("GET", "/invitations", undefined, { token: invitee.accessToken });
    got.invitee = mine.status;
    expect(got).toEqual({ owner: 200, editor: 200, viewer: 200, outsider: 200, admin: 200, anonymous: 401, invitee: 200 });
    expect((mine.body.items as { id: string }[]).map((i) => i.id)).toEqual([id]);
  });
});

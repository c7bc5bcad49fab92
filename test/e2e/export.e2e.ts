import { expectProblem, share } from "../support/api";
import { useStackWithUsers } from "../support/stack";

const fx = useStackWithUsers(2);

test("the JSON export holds the profile, visible tasks and projects, completions and notifications; nobody else's", async () => {
  const rent = await fx.api.post(
    "/tasks",
    { title: "Pay rent", dueAt: "2026-12-01T09:00:00+01:00", priority: "high", tags: ["home"], recurrence: { rrule: "FREQ=MONTHLY", timezone: "Europe/Berlin" }, reminders: [{ offset: "-PT1H" }] },
    { token: fx.users[0]!.accessToken },
  );
  expect(rent.status).toBe(201);
  expect((await fx.api.post(`/tasks/${rent.body.id}/complete`, {}, { token: fx.users[0]!.accessToken })).status).toBe(200);
  const project = (await fx.api.post("/projects", { name: "Team" }, { token: fx.users[1]!.accessToken })).body;
  const shared = (await fx.api.post("/tasks", { title: "Team task", projectId: project.id }, { token: fx.users[1]!.accessToken })).body;
  await share(fx.api, fx.users[1]!, project.id, fx.users[0]!, "editor");
  const secret = (await fx.api.post("/tasks", { title: "fx.users[1]!'s secret" }, { token: fx.users[1]!.accessToken })).body;

  const res = await fetch(`${fx.stack.baseUrl}/api/v1/me/export`, { headers: { authorization: `Bearer ${fx.users[0]!.accessToken}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  expect(res.headers.get("content-disposition")).toMatch(/attachment/);
  const data: any = await res.json();
  expect(Object.keys(data).sort()).toEqual(["comments", "completions", "notifications", "projects", "tasks", "user"]);
  expect(data.user).toMatchObject({ id: fx.users[0]!.user.id, email: fx.users[0]!.email });
  expect(data.tasks.map((t: any) => t.id).sort()).toEqual([rent.body.id, shared.id].sort());
  expect(JSON.stringify(data)).not.toContain(secret.id);
  expect(data.projects).toEqual([expect.objectContaining({ id: project.id, role: "editor" })]);
  expect(data.completions).toEqual([expect.objectContaining({ taskId: rent.body.id, completedAt: expect.any(String) })]);
  expect(Array.isArray(data.notifications)).toBe(true);
  expect(data.user.passwordHash ?? data.user.password_hash).toBeUndefined();

  const ics = await fetch(`${fx.stack.baseUrl}/api/v1/me/export.ics`, { headers: { authorization: `Bearer ${fx.users[0]!.accessToken}` } });
  expect(ics.status).toBe(200);
  expect(ics.headers.get("content-type")).toMatch(/^text\/calendar/);
  const text = await ics.text();
  expect(text.startsWith("BEGIN:VCALENDAR\r\n")).toBe(true);
  expect(text.endsWith("END:VCALENDAR\r\n")).toBe(true);
  expect(text.match(/BEGIN:VTODO/g)).toHaveLength(2);
  expect(text).toContain(`UID:${rent.body.id}\r\n`);
  expect(text).toContain("RRULE:FREQ=MONTHLY");
  expect(text).toContain("PRIORITY:3");
  expect(text).toContain("CATEGORIES:home");
  expect(text).toContain("TRIGGER;RELATED=END:-PT1H");
  expect(text).not.toContain(secret.id);
}, 60_000);

test("the JSON export holds the comments on the caller's tasks and those they wrote elsewhere; no others", async () => {
  const [me, other] = [fx.users[0]!, fx.users[1]!];
  const myProject = (await fx.api.post("/projects", { name: "Mine, shared" }, { token: me.accessToken })).body;
  await share(fx.api, me, myProject.id, other, "viewer");
  const mine = (await fx.api.post("/tasks", { title: "Discussed", projectId: myProject.id }, { token: me.accessToken })).body;
  const project = (await fx.api.post("/projects", { name: "Comments elsewhere" }, { token: other.accessToken })).body;
  await share(fx.api, other, project.id, me, "editor");
  const theirs = (await fx.api.post("/tasks", { title: "Their task", projectId: project.id }, { token: other.accessToken })).body;
  const comment = async (taskId: string, text: string, token: string) => {
    const res = await fx.api.post(`/tasks/${taskId}/comments`, { text }, { token });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  const onMine = await comment(mine.id, "my own note", me.accessToken);
  const byOtherOnMine = await comment(mine.id, "a visitor's note", other.accessToken);
  const mineOnTheirs = await comment(theirs.id, "my note on theirs", me.accessToken);
  const theirsOnTheirs = await comment(theirs.id, "their own note", other.accessToken);

  const data: any = await (await fetch(`${fx.stack.baseUrl}/api/v1/me/export`, { headers: { authorization: `Bearer ${me.accessToken}` } })).json();
  const ids = data.comments.map((c: any) => c.id);
  expect(ids).toEqual(expect.arrayContaining([onMine, byOtherOnMine, mineOnTheirs]));
  expect(ids).not.toContain(theirsOnTheirs);
  expect(data.comments.find((c: any) => c.id === mineOnTheirs)).toMatchObject({ taskId: theirs.id, authorId: me.user.id, text: "my note on theirs", version: 1 });
  // Oldest first.
  expect(ids.indexOf(onMine)).toBeLessThan(ids.indexOf(mineOnTheirs));
}, 60_000);

test("exports need a signed-in session: none answers 401, a personal access token 403", async () => {
  expectProblem(await fx.api.get("/me/export"), 401);
  expectProblem(await fx.api.get("/me/export.ics"), 401);
  const token = (await fx.api.post("/me/tokens", { name: "x", scopes: ["tasks:read", "projects:read"] }, { token: fx.users[0]!.accessToken })).body.token;
  expectProblem(await fx.api.get("/me/export", { token }), 403);
  expectProblem(await fx.api.get("/me/export.ics", { token }), 403);
  expectProblem(await fx.api.get("/me/export?x=1", { token: fx.users[0]!.accessToken }), 422);
});

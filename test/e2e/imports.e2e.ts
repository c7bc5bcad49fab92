import { readFileSync } from "node:fs";
import { join } from "node:path";
import { zipSync } from "fflate";
import { expectProblem, pollUntil, TestUser } from "../support/api";
import { useStackWithUsers } from "../support/stack";

const MAX_BYTES = 400_000;
const fx = useStackWithUsers(6, { IMPORT_MAX_BYTES: String(MAX_BYTES), PROJECTS_PER_USER: "3" });
const fixture = (name: string) => readFileSync(join(__dirname, "../fixtures/imports", name));

async function upload(user: TestUser | string, format: string, data: Uint8Array | string, filename: string, extra: Record<string, string> = {}) {
  const form = new FormData();
  form.append("format", format);
  for (const [k, v] of Object.entries(extra)) form.append(k, v);
  form.append("file", new Blob([data]), filename);
  const token = typeof user === "string" ? user : user.accessToken;
  const res = await fetch(`${fx.stack.baseUrl}/api/v1/imports`, { method: "POST", headers: { authorization: `Bearer ${token}` }, body: form });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

async function finished(user: TestUser, id: string) {
  return (await pollUntil(() => fx.api.get(`/imports/${id}`, { token: user.accessToken }), (r) => r.status !== 200 || r.body.status !== "running", 60_000)).body;
}

async function importFile(user: TestUser, format: string, name: string, data: Uint8Array | string = fixture(name)) {
  const res = await upload(user, format, data, name);
  expect(res.status).toBe(202);
  return finished(user, res.body.id);
}

/** Everything the user sees, by delta sync from the start. */
async function everything(user: TestUser) {
  const tasks: any[] = [];
  const projects: any[] = [];
  let since: string | undefined;
  for (;;) {
    const page = (await fx.api.get(`/sync?limit=500${since ? `&since=${encodeURIComponent(since)}` : ""}`, { token: user.accessToken })).body;
    tasks.push(...page.tasks);
    projects.push(...page.projects);
    if (!page.hasMore) return { tasks, projects, byTitle: (t: string) => tasks.find((x) => x.title === t) };
    since = page.nextToken;
  }
}

test("a Todoist CSV: its project, tasks, subtasks, labels, priorities, dates and recurrence; what cannot be mapped is reported; a second import creates nothing", async () => {
  const user = fx.users[0]!;
  const job = await importFile(user, "todoist-csv", "Groceries.csv");
  expect(job).toMatchObject({ status: "done", format: "todoist-csv", progress: { done: 8, total: 8 }, report: { created: 8, skipped: 0 } });
  expect(job.report.unmapped).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^section "Weekly"/),
      expect.stringMatching(/^date "when the moon is blue" of task "Call grandma"/),
      expect.stringMatching(/^date "demain" of task "Payer le loyer"/),
    ]),
  );
  const { projects, byTitle } = await everything(user);
  expect(projects).toEqual([expect.objectContaining({ name: "Groceries", role: "owner" })]);
  const milk = byTitle("Buy milk");
  expect(milk).toMatchObject({ projectId: projects[0].id, priority: "urgent", tags: ["shopping", "dairy"], description: "Two litres, the organic one", dueAt: expect.any(String) });
  expect(byTitle("Check the date")).toMatchObject({ parentId: milk.id, priority: "high" });
  expect(byTitle("Sniff it")).toMatchObject({ parentId: byTitle("Check the date").id });
  // A note row is a comment on the task above it.
  // The gateway learns of the new project at once (a broadcast), at the latest within its 1 s cache.
  const notes = await pollUntil(() => fx.api.get(`/tasks/${byTitle("Sniff it").id}/comments`, { token: user.accessToken }), (r) => r.status === 200, 5_000);
  expect(notes.body.items).toEqual([expect.objectContaining({ text: "Ask at the counter, they know", authorId: user.user.id })]);
  expect(byTitle("Water the plants").recurrence).toMatchObject({ rrule: expect.stringContaining("FREQ=WEEKLY"), timezone: "Europe/Berlin" });
  expect(byTitle("Rechnung bezahlen").dueAt).not.toBeNull();
  expect(byTitle("Call grandma").dueAt).toBeNull();

  const again = await importFile(user, "todoist-csv", "Groceries.csv");
  expect(again).toMatchObject({ status: "done", report: { created: 0, skipped: 8 } });
  expect((await everything(user)).tasks).toHaveLength(7);
}, 90_000);

test("a Todoist backup, a Vikunja export and an iCalendar file", async () => {
  const user = fx.users[1]!;
  const backup = await importFile(user, "todoist-backup", "todoist-backup.zip");
  expect(backup).toMatchObject({ status: "done", report: { created: 7, skipped: 0, unmapped: [] } });

  const vikunja = await importFile(user, "vikunja", "vikunja-export.zip");
  // Past the limit of 3 projects per user: Home is not created, its tasks land without a project.
  expect(vikunja).toMatchObject({ status: "done", report: { created: 6, skipped: 0 } });
  expect(vikunja.report.unmapped).toEqual(expect.arrayContaining([expect.stringMatching(/^project "Home": the limit of projects per user is reached/)]));
  let seen = await everything(user);
  expect(seen.projects.map((p) => p.name).sort()).toEqual(["Holiday", "Inbox", "Work"]);
  const passport = seen.byTitle("Renew passport");
  expect(passport).toMatchObject({ priority: "urgent", tags: ["admin"], dueAt: "2026-12-15T09:00:00.000Z", reminders: [expect.objectContaining({ offset: "-PT60M" })] });
  expect(seen.byTitle("Take photos")).toMatchObject({ parentId: passport.id, status: "done" });
  expect(seen.byTitle("Vacuum")).toMatchObject({ projectId: null, recurrence: expect.objectContaining({ rrule: expect.stringContaining("FREQ=WEEKLY") }) });

  const ics = await importFile(user, "ics", "tasks.ics");
  expect(ics.status).toBe("done");
  expect(ics.report.created).toBe(4);
  expect(ics.report.unmapped).toEqual(expect.arrayContaining([expect.stringMatching(/^VEVENT "Office party"/)]));
  seen = await everything(user);
  const standup = seen.byTitle("Stand-up notes");
  expect(standup).toMatchObject({
    priority: "urgent",
    tags: ["work", "meetings"],
    dueAt: "2026-12-01T08:30:00.000Z",
    recurrence: expect.objectContaining({ timezone: "Europe/Berlin", exdates: ["2026-12-03T08:30:00.000Z"] }),
    reminders: [expect.objectContaining({ offset: "-PT15M" })],
  });
  expect(seen.byTitle("Prepare the agenda")).toMatchObject({ parentId: standup.id, reminders: [expect.objectContaining({ at: "2026-12-01T06:30:00.000Z" })] });
  expect(seen.byTitle("File the taxes")).toMatchObject({ status: "done", priority: "low" });

  expect(await importFile(user, "ics", "tasks.ics")).toMatchObject({ report: { created: 0, skipped: 4 } });
  expect(await importFile(user, "vikunja", "vikunja-export.zip")).toMatchObject({ report: { created: 0, skipped: 6 } });
}, 120_000);

test("a large file shows its size at once and its progress until done", async () => {
  const user = fx.users[2]!;
  const rows = Array.from({ length: 600 }, (_, i) => `task,Item ${i} @bulk,,4,1,,,,,,,`);
  const csv = ["TYPE,CONTENT,DESCRIPTION,PRIORITY,INDENT,AUTHOR,RESPONSIBLE,DATE,DATE_LANG,TIMEZONE,DURATION,DURATION_UNIT", ...rows].join("\n");
  const res = await upload(user, "todoist-csv", csv, "Bulk.csv");
  expect(res.status).toBe(202);
  expect(res.headers.get("location")).toBe(`/api/v1/imports/${res.body.id}`);
  const first = (await fx.api.get(`/imports/${res.body.id}`, { token: user.accessToken })).body;
  expect(first.progress.total).toBe(601);
  const seen: number[] = [first.progress.done];
  const job = (
    await pollUntil(
      () => fx.api.get(`/imports/${res.body.id}`, { token: user.accessToken }),
      (r) => {
        seen.push(r.body.progress.done);
        return r.body.status !== "running";
      },
      60_000,
    )
  ).body;
  expect(job).toMatchObject({ status: "done", progress: { done: 601, total: 601 }, report: { created: 601 } });
  expect([...seen].sort((a, b) => a - b)).toEqual(seen);
  const listed = await fx.api.get("/tasks?tag=bulk&limit=200", { token: user.accessToken });
  expect(listed.body.items).toHaveLength(200);
  expect(listed.body.nextCursor).toEqual(expect.any(String));
}, 90_000);

test("another user's import answers 404, an unknown one too", async () => {
  const owner = fx.users[3]!;
  const res = await upload(owner, "ics", fixture("tasks.ics"), "tasks.ics");
  expect(res.status).toBe(202);
  expectProblem(await fx.api.get(`/imports/${res.body.id}`, { token: fx.users[4]!.accessToken }), 404);
  expectProblem(await fx.api.get("/imports/00000000-0000-4000-8000-000000000000", { token: owner.accessToken }), 404);
  expectProblem(await fx.api.get("/imports/not-a-uuid", { token: owner.accessToken }), 422);
  expectProblem(await fx.api.get(`/imports/${res.body.id}`), 401);
  await finished(owner, res.body.id);
});

test("hostile and malformed uploads: a clear 4xx and nothing created", async () => {
  const user = fx.users[5]!;
  const expect4xx = async (res: { status: number; headers: Headers; body: any }, status: number) => {
    expect(res.status).toBe(status);
    expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  };
  await expect4xx(await upload(user, "ics", "this is not a calendar", "x.ics"), 422);
  await expect4xx(await upload(user, "todoist-csv", fixture("tasks.ics"), "x.csv"), 422);
  await expect4xx(await upload(user, "vikunja", fixture("Groceries.csv"), "x.zip"), 422);
  await expect4xx(await upload(user, "todoist-backup", "PK\u0003\u0004garbage", "x.zip"), 422);
  await expect4xx(await upload(user, "excel", fixture("Groceries.csv"), "x.csv"), 422);
  await expect4xx(await upload(user, "ics", "", "x.ics"), 422);
  await expect4xx(await upload(user, "ics", fixture("tasks.ics"), "x.ics", { ownerId: "someone" }), 422);
  // A zip bomb: 50 MB of zeros in a few kilobytes; the cap on what it may inflate to is 4 × IMPORT_MAX_BYTES.
  const bomb = zipSync({ "data.json": new Uint8Array(50_000_000) }, { level: 9 });
  expect(bomb.length).toBeLessThan(MAX_BYTES);
  await expect4xx(await upload(user, "vikunja", bomb, "bomb.zip"), 422);
  await expect4xx(await upload(user, "ics", new Uint8Array(MAX_BYTES + 1), "big.ics"), 413);
  await expect4xx(await upload(user, "ics", new Uint8Array(MAX_BYTES * 3), "huge.ics"), 413);
  // Not multipart at all.
  expectProblem(await fx.api.post("/imports", { format: "ics", file: "BEGIN:VCALENDAR" }, { token: user.accessToken }), 422);
  expectProblem(await fx.api.post("/imports", undefined, { token: user.accessToken, rawBody: "BEGIN:VCALENDAR", headers: { "content-type": "text/calendar" } }), 415);
  const broken = await fetch(`${fx.stack.baseUrl}/api/v1/imports`, {
    method: "POST",
    headers: { authorization: `Bearer ${user.accessToken}`, "content-type": "multipart/form-data; boundary=xyz" },
    body: "--xyz\r\nContent-Disposition: form-data; name=\"format\"\r\n\r\nics\r\n--xyz\r\nContent-Disp",
  });
  expect(broken.status).toBeGreaterThanOrEqual(400);
  expect(broken.status).toBeLessThan(500);
  const seen = await everything(user);
  expect(seen.tasks).toEqual([]);
  expect(seen.projects).toEqual([]);
}, 60_000);

test("imports need tasks:write (a token with tasks:read only answers 403), reading one tasks:read", async () => {
  const user = fx.users[4]!;
  const read = (await fx.api.post("/me/tokens", { name: "r", scopes: ["tasks:read"] }, { token: user.accessToken })).body.token;
  const write = (await fx.api.post("/me/tokens", { name: "w", scopes: ["tasks:write"] }, { token: user.accessToken })).body.token;
  expect((await upload(read, "ics", fixture("tasks.ics"), "tasks.ics")).status).toBe(403);
  const res = await upload(write, "ics", fixture("tasks.ics"), "tasks.ics");
  expect(res.status).toBe(202);
  expect((await fx.api.get(`/imports/${res.body.id}`, { token: write })).status).toBe(200);
  expect((await fx.api.get(`/imports/${res.body.id}`, { token: read })).status).toBe(200);
  await finished(user, res.body.id);
});

import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { createDAVClient } from "tsdav";
import { useStackWithUsers } from "../support/stack";

/**
 * CalDAV (issue 19) with real clients over real HTTP: tsdav (npm), python3-caldav, and
 * vdirsyncer + todoman two-way (Debian packages; .ci/run installs them when missing).
 */
const fx = useStackWithUsers(3);
const run = promisify(execFile);

const mint = async (accessToken: string) => (await fx.api.post("/me/tokens", { name: "caldav client", scopes: ["tasks:write"] }, { token: accessToken })).body.token as string;

test("tsdav: discovers the calendars, lists VTODOs, creates, updates and deletes with ETags, syncs", async () => {
  const u = fx.users[0]!;
  const client = await createDAVClient({
    serverUrl: `${fx.stack.baseUrl}/.well-known/caldav`,
    credentials: { username: u.email, password: await mint(u.accessToken) },
    authMethod: "Basic",
    defaultAccountType: "caldav",
  });
  const calendars = await client.fetchCalendars();
  expect(calendars.map((c) => c.url)).toEqual([`${fx.stack.baseUrl}/dav/calendars/${u.user.id}/inbox/`]);
  const inbox = calendars[0]!;
  expect(inbox.components).toEqual(["VTODO"]);

  const fromApi = (await fx.api.post("/tasks", { title: "From the API", tags: ["x"] }, { token: u.accessToken })).body;
  const filters = [{ "comp-filter": { _attributes: { name: "VCALENDAR" }, "comp-filter": { _attributes: { name: "VTODO" } } } }];
  const listed = await client.fetchCalendarObjects({ calendar: inbox, filters });
  expect(listed.map((o) => o.url)).toEqual([`${inbox.url}${fromApi.id}.ics`]);
  expect(listed[0]!.data).toContain("SUMMARY:From the API");
  expect(listed[0]!.etag).toBe('"1"');

  const created = await client.createCalendarObject({
    calendar: inbox,
    filename: "tsdav-task.ics",
    iCalString: "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tsdav test//EN\r\nBEGIN:VTODO\r\nUID:tsdav-task\r\nDTSTAMP:20261130T000000Z\r\nSUMMARY:From tsdav\r\nPRIORITY:9\r\nEND:VTODO\r\nEND:VCALENDAR\r\n",
  });
  expect(created.status).toBe(201);
  const all = await client.fetchCalendarObjects({ calendar: inbox, filters });
  const mine = all.find((o) => o.url.endsWith("/tsdav-task.ics"))!;
  expect(mine.data).toContain("UID:tsdav-task");
  const apiView = (await fx.api.get("/tasks?limit=200", { token: u.accessToken })).body.items.find((t: any) => t.title === "From tsdav");
  expect(apiView).toMatchObject({ priority: "low", status: "todo" });

  const stale = await client.updateCalendarObject({ calendarObject: { url: mine.url, etag: '"99"', data: mine.data.replace("From tsdav", "Stale") } });
  expect(stale.status).toBe(412);
  const updated = await client.updateCalendarObject({ calendarObject: { url: mine.url, etag: mine.etag, data: mine.data.replace("STATUS:NEEDS-ACTION", "STATUS:COMPLETED") } });
  expect(updated.status).toBe(204);
  expect((await fx.api.get(`/tasks/${apiView.id}`, { token: u.accessToken })).body.status).toBe("done");

  // The calendar changed since it was fetched: its ctag tells tsdav so.
  const synced = await client.syncCalendars({ oldCalendars: calendars, detailedResult: true });
  expect(synced.updated.map((c) => c.url)).toEqual([inbox.url]);

  const deleted = await client.deleteCalendarObject({ calendarObject: { url: mine.url, etag: `"${(await fx.api.get(`/tasks/${apiView.id}`, { token: u.accessToken })).body.version}"` } });
  expect(deleted.status).toBe(204);
  expect((await fx.api.get(`/tasks/${apiView.id}`, { token: u.accessToken })).status).toBe(404);
});

test("python3-caldav: principal, calendars, save, load, edit, complete, sync token, date search, delete", async () => {
  const u = fx.users[1]!;
  const script = path.join(__dirname, "caldav", "python_caldav_client.py");
  const { stdout } = await run("/usr/bin/python3", [script, fx.stack.baseUrl, u.email, await mint(u.accessToken)], { timeout: 60_000 });
  const seen = JSON.parse(stdout.trim().split("\n").pop()!);
  expect(seen).toMatchObject({
    calendars: [`${fx.stack.baseUrl}/dav/calendars/${u.user.id}/inbox/`],
    inboxName: "Inbox",
    listed: ["From python"],
    keptAfterLoad: true,
    edited: "From python, edited",
    syncCount: 1,
    syncUpdated: 1,
    open: [],
    withCompleted: ["From python, edited"],
    dateSearch: 1,
    afterDelete: [],
  });
}, 90_000);

describe("vdirsyncer + todoman, two-way", () => {
  let dir: string;
  afterAll(() => dir && rmSync(dir, { recursive: true, force: true }));

  test("create, edit, complete and delete on both sides, a recurring task included", async () => {
    const u = fx.users[2]!;
    const token = u.accessToken;
    dir = mkdtempSync(path.join(tmpdir(), "todogenie-vdirsyncer-"));
    const vdirs = path.join(dir, "tasks");
    writeFileSync(
      path.join(dir, "vdirsyncer.conf"),
      [
        "[general]",
        `status_path = "${dir}/status/"`,
        "",
        "[pair todogenie]",
        'a = "todogenie_local"',
        'b = "todogenie_remote"',
        'collections = ["from b"]',
        'conflict_resolution = "b wins"',
        "",
        "[storage todogenie_local]",
        'type = "filesystem"',
        `path = "${vdirs}/"`,
        'fileext = ".ics"',
        "",
        "[storage todogenie_remote]",
        'type = "caldav"',
        `url = "${fx.stack.baseUrl}/"`,
        `username = "${u.email}"`,
        `password = "${await mint(token)}"`,
        'item_types = ["VTODO"]',
        "",
      ].join("\n"),
    );
    writeFileSync(
      path.join(dir, "todoman.py"),
      [`path = "${vdirs}/*"`, `cache_path = "${dir}/cache.sqlite3"`, 'date_format = "%Y-%m-%d"', 'time_format = "%H:%M"', 'default_list = "inbox"', "default_due = 0", ""].join("\n"),
    );
    const env = { ...process.env, VDIRSYNCER_CONFIG: path.join(dir, "vdirsyncer.conf"), HOME: dir, TZ: "UTC" };
    const vdirsyncer = async (...args: string[]) => {
      const child = execFile("/usr/bin/vdirsyncer", args, { env, timeout: 60_000 }, () => undefined);
      // discover asks whether to create the local collections: yes.
      child.stdin!.end("y\ny\ny\ny\n");
      const [code] = await new Promise<[number | null]>((resolve) => child.once("exit", (c) => resolve([c])));
      expect([args.join(" "), code]).toEqual([args.join(" "), 0]);
    };
    const todoman = (...args: string[]) => run("/usr/bin/todoman", ["-c", path.join(dir, "todoman.py"), ...args], { env, timeout: 60_000 });
    const local = async (): Promise<any[]> => JSON.parse((await todoman("--porcelain", "list", "--status", "ANY")).stdout);
    const localBy = async (summary: string) => (await local()).filter((t) => t.summary === summary);
    const server = async (): Promise<any[]> => (await fx.api.get("/tasks?status=todo,in_progress,done&limit=200", { token })).body.items;
    const serverBy = async (title: string) => (await server()).filter((t) => t.title === title);

    // The server's tasks, one of them recurring, reach todoman.
    const plain = (await fx.api.post("/tasks", { title: "API task" }, { token })).body;
    const weekly = (await fx.api.post("/tasks", { title: "Weekly review", dueAt: "2026-12-04T16:00:00Z", recurrence: { rrule: "FREQ=WEEKLY", timezone: "Europe/Berlin" } }, { token })).body;
    await vdirsyncer("discover");
    await vdirsyncer("sync");
    expect((await local()).map((t) => t.summary).sort()).toEqual(["API task", "Weekly review"]);

    // Created and edited in todoman (LOCATION is not modelled: kept), up to the server.
    await todoman("new", "-l", "inbox", "From todoman", "--due", "2026-12-03");
    await todoman("edit", String((await localBy("API task"))[0].id), "--priority", "high", "--location", "Desk 4");
    await vdirsyncer("sync");
    expect(await serverBy("From todoman")).toEqual([expect.objectContaining({ dueAt: "2026-12-03T00:00:00.000Z", status: "todo" })]);
    const edited = (await fx.api.get(`/tasks/${plain.id}`, { token })).body;
    expect(edited.priority).toBe("high");
    expect(edited.davProperties).toContain("LOCATION:Desk 4");

    // Changed on the server: a rename, and the API's completion of the recurring task; down to todoman.
    const fromTodoman = (await serverBy("From todoman"))[0];
    await fx.api.patch(`/tasks/${fromTodoman.id}`, { title: "Renamed by the API" }, { token });
    await fx.api.post(`/tasks/${weekly.id}/complete`, {}, { token });
    await vdirsyncer("sync");
    expect(await localBy("Renamed by the API")).toHaveLength(1);
    expect((await localBy("Weekly review"))[0]).toMatchObject({ completed: false, due: Date.parse("2026-12-11T16:00:00Z") / 1000 });
    expect((await localBy("API task"))[0]).toMatchObject({ location: "Desk 4" });

    // Completed and deleted in todoman; todoman completes a recurring task by closing it and starting its next one.
    await todoman("done", String((await localBy("Renamed by the API"))[0].id));
    await todoman("delete", "--yes", String((await localBy("API task"))[0].id));
    await todoman("done", String((await localBy("Weekly review"))[0].id));
    await vdirsyncer("sync");
    expect((await fx.api.get(`/tasks/${fromTodoman.id}`, { token })).body.status).toBe("done");
    expect((await fx.api.get(`/tasks/${plain.id}`, { token })).status).toBe(404);
    const series = await serverBy("Weekly review");
    expect(series.map((t) => [t.status, t.dueAt, t.recurrence?.rrule ?? null]).sort()).toEqual([
      ["done", "2026-12-11T16:00:00.000Z", null],
      ["todo", "2026-12-18T16:00:00.000Z", "FREQ=WEEKLY"],
    ]);

    // Deleted on the server: gone from todoman; nothing else changes on a quiet sync.
    await fx.api.delete(`/tasks/${fromTodoman.id}`, { token });
    await vdirsyncer("sync");
    await vdirsyncer("sync");
    expect((await local()).map((t) => [t.summary, t.completed]).sort()).toEqual([
      ["Weekly review", false],
      ["Weekly review", true],
    ]);
    expect((await server()).length).toBe(2);
  }, 180_000);
});

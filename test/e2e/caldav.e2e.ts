import { randomUUID } from "node:crypto";
import { pollUntil, share } from "../support/api";
import { useStackWithUsers } from "../support/stack";

/**
 * CalDAV (issue 19) over real HTTP, hand-written: discovery, collections, objects with ETags
 * and preconditions, the RFC 4791 7.8 REPORT examples adapted to VTODO, sync-collection,
 * the role matrix and hostile input. Real clients: caldav-clients.e2e.ts.
 */
const fx = useStackWithUsers(4);

interface DavUser {
  id: string;
  email: string;
  accessToken: string;
  basic: string;
  readOnly: string;
}

const users: DavUser[] = [];
let projectId: string;

const mint = async (accessToken: string, scopes: string[]) => (await fx.api.post("/me/tokens", { name: "caldav", scopes }, { token: accessToken })).body.token as string;
const basic = (email: string, token: string) => `Basic ${Buffer.from(`${email}:${token}`).toString("base64")}`;

beforeAll(async () => {
  for (const u of fx.users) {
    users.push({
      id: u.user.id,
      email: u.email,
      accessToken: u.accessToken,
      basic: basic(u.email, await mint(u.accessToken, ["tasks:write"])),
      readOnly: basic(u.email, await mint(u.accessToken, ["tasks:read"])),
    });
  }
  projectId = (await fx.api.post("/projects", { name: "Shared & <Co>" }, { token: users[0]!.accessToken })).body.id;
  await share(fx.api, fx.users[0]!, projectId, fx.users[1]!, "editor");
  await share(fx.api, fx.users[0]!, projectId, fx.users[2]!, "viewer");
}, 60_000);

async function dav(method: string, path: string, opts: { auth?: string; body?: string; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.auth) headers.authorization = opts.auth;
  if (opts.body !== undefined) headers["content-type"] ??= path.endsWith(".ics") ? "text/calendar; charset=utf-8" : "application/xml; charset=utf-8";
  const res = await fetch(`${fx.stack.baseUrl}${path}`, { method, headers, body: opts.body, redirect: "manual" });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

const home = (u: DavUser) => `/dav/calendars/${u.id}/`;
const inbox = (u: DavUser) => `${home(u)}inbox/`;
const shared = (u: DavUser) => `${home(u)}${projectId}/`;

const ics = (uid: string, lines: string[]) => ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", "BEGIN:VTODO", `UID:${uid}`, "DTSTAMP:20261101T000000Z", ...lines, "END:VTODO", "END:VCALENDAR", ""].join("\r\n");

const PROPFIND_ALL = `<?xml version="1.0"?><d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:cs="http://calendarserver.org/ns/">
<d:prop><d:resourcetype/><d:displayname/><d:getetag/><cs:getctag/><d:sync-token/><c:supported-calendar-component-set/><d:current-user-privilege-set/></d:prop></d:propfind>`;

/** The `<d:response>` blocks of a multistatus, by href. */
function responses(xml: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of xml.matchAll(/<d:response>([\s\S]*?)<\/d:response>/g)) {
    const href = /<d:href>([^<]*)<\/d:href>/.exec(m[1]!)![1]!;
    out.set(href, m[1]!);
  }
  return out;
}

describe("discovery", () => {
  test("/.well-known/caldav redirects to /dav/, which names the principal and its calendar home", async () => {
    const wk = await dav("PROPFIND", "/.well-known/caldav", { auth: users[0]!.basic });
    expect([301, 302, 307, 308]).toContain(wk.status);
    expect(wk.headers.get("location")).toBe("/dav/");

    const root = await dav("PROPFIND", "/dav/", { auth: users[0]!.basic, headers: { depth: "0" }, body: `<d:propfind xmlns:d="DAV:"><d:prop><d:current-user-principal/></d:prop></d:propfind>` });
    expect(root.status).toBe(207);
    expect(root.text).toContain(`<d:current-user-principal><d:href>/dav/principals/${users[0]!.id}/</d:href>`);

    const principal = await dav("PROPFIND", `/dav/principals/${users[0]!.id}/`, {
      auth: users[0]!.basic,
      headers: { depth: "0" },
      body: `<d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><c:calendar-home-set/><d:unknown-thing/></d:prop></d:propfind>`,
    });
    expect(principal.status).toBe(207);
    expect(principal.text).toContain(`<cal:calendar-home-set><d:href>${home(users[0]!)}</d:href></cal:calendar-home-set>`);
    expect(principal.text).toMatch(/<d:unknown-thing\/><\/d:prop><d:status>HTTP\/1.1 404/);
    // Every collection the root lists answers in turn.
    const listed = responses((await dav("PROPFIND", "/dav/", { auth: users[0]!.basic, headers: { depth: "1" } })).text);
    for (const href of listed.keys()) expect([href, (await dav("PROPFIND", href, { auth: users[0]!.basic, headers: { depth: "1" } })).status]).toEqual([href, 207]);
    expect(responses((await dav("PROPFIND", "/dav/calendars/", { auth: users[0]!.basic, headers: { depth: "1" } })).text).has(home(users[0]!))).toBe(true);
  });

  test("the OpenAPI document describes CalDAV under its own tag", async () => {
    const doc = (await fx.api.get("/openapi.json")).body;
    expect(doc.tags).toEqual(expect.arrayContaining([expect.objectContaining({ name: "caldav", description: expect.stringContaining("PROPFIND") })]));
  });

  test("the home lists the inbox and each visible project, VTODO only, read-only for a viewer", async () => {
    const owner = responses((await dav("PROPFIND", home(users[0]!), { auth: users[0]!.basic, headers: { depth: "1" }, body: PROPFIND_ALL })).text);
    expect([...owner.keys()].sort()).toEqual([home(users[0]!), inbox(users[0]!), shared(users[0]!)].sort());
    const calendar = owner.get(shared(users[0]!))!;
    expect(calendar).toContain("<cal:calendar/>");
    expect(calendar).toContain('<cal:comp name="VTODO"/>');
    expect(calendar).toContain("<d:displayname>Shared &amp; &lt;Co&gt;</d:displayname>");
    expect(calendar).toMatch(/<cs:getctag>[^<]+<\/cs:getctag>/);
    expect(calendar).toMatch(/<d:sync-token>urn:todogenie:sync:[^<]+<\/d:sync-token>/);
    expect(calendar).toContain("<d:privilege><d:write/></d:privilege>");

    const viewer = responses((await dav("PROPFIND", home(users[2]!), { auth: users[2]!.basic, headers: { depth: "1" }, body: PROPFIND_ALL })).text);
    expect(viewer.get(shared(users[2]!))).not.toContain("<d:write/>");
    expect(viewer.get(inbox(users[2]!))).toContain("<d:write/>");
    // A read-only token: nothing writable anywhere.
    const ro = responses((await dav("PROPFIND", home(users[0]!), { auth: users[0]!.readOnly, headers: { depth: "1" }, body: PROPFIND_ALL })).text);
    expect(ro.get(inbox(users[0]!))).not.toContain("<d:write/>");
    // The outsider sees their inbox only.
    const outsider = responses((await dav("PROPFIND", home(users[3]!), { auth: users[3]!.basic, headers: { depth: "1" }, body: PROPFIND_ALL })).text);
    expect([...outsider.keys()].sort()).toEqual([home(users[3]!), inbox(users[3]!)].sort());
  });
});

describe("objects", () => {
  test("PUT creates, GET reads, PUT with If-Match updates, DELETE removes; ETags are versions", async () => {
    const u = users[0]!;
    const id = randomUUID();
    const href = `${inbox(u)}${id}.ics`;
    const created = await dav("PUT", href, { auth: u.basic, headers: { "if-none-match": "*" }, body: ics(id, ["SUMMARY:Buy milk", "PRIORITY:1", "CATEGORIES:Home,Errands"]) });
    expect(created.status).toBe(201);
    expect(created.headers.get("etag")).toBe('"1"');
    const api = (await fx.api.get(`/tasks/${id}`, { token: u.accessToken })).body;
    expect(api).toMatchObject({ id, title: "Buy milk", priority: "urgent", tags: ["home", "errands"], projectId: null });

    // If-None-Match: * on an existing object: 412, nothing changed.
    expect((await dav("PUT", href, { auth: u.basic, headers: { "if-none-match": "*" }, body: ics(id, ["SUMMARY:Again"]) })).status).toBe(412);
    const got = await dav("GET", href, { auth: u.basic });
    expect(got.status).toBe(200);
    expect(got.headers.get("etag")).toBe('"1"');
    expect(got.headers.get("content-type")).toContain("text/calendar");
    expect(got.text).toContain("SUMMARY:Buy milk\r\n");

    expect((await dav("PUT", href, { auth: u.basic, headers: { "if-match": '"7"' }, body: ics(id, ["SUMMARY:Stale"]) })).status).toBe(412);
    const updated = await dav("PUT", href, { auth: u.basic, headers: { "if-match": '"1"' }, body: ics(id, ["SUMMARY:Buy oat milk", "STATUS:IN-PROCESS"]) });
    expect(updated.status).toBe(204);
    expect(updated.headers.get("etag")).toBe('"2"');
    expect((await fx.api.get(`/tasks/${id}`, { token: u.accessToken })).body).toMatchObject({ title: "Buy oat milk", status: "in_progress", priority: "none", tags: [] });

    // An API change shows in the next GET.
    await fx.api.patch(`/tasks/${id}`, { title: "From the API" }, { token: u.accessToken });
    const again = await dav("GET", href, { auth: u.basic });
    expect(again.headers.get("etag")).toBe('"3"');
    expect(again.text).toContain("SUMMARY:From the API");

    expect((await dav("DELETE", href, { auth: u.basic, headers: { "if-match": '"2"' } })).status).toBe(412);
    expect((await dav("DELETE", href, { auth: u.basic, headers: { "if-match": '"3"' } })).status).toBe(204);
    expect((await dav("GET", href, { auth: u.basic })).status).toBe(404);
    expect((await fx.api.get(`/tasks/${id}`, { token: u.accessToken })).status).toBe(404);
  });

  test("a client's own object name and UID stay as they were sent, with unmodelled properties", async () => {
    const u = users[0]!;
    const name = "abc123@laptop.example";
    const href = `${inbox(u)}${encodeURIComponent(name)}.ics`;
    const body = ics("abc123@laptop.example", [
      "SUMMARY:Long line " + "x".repeat(100),
      "LOCATION:Office\\, 2nd floor",
      "URL:https://example.com/a?b=c",
      "X-CUSTOM;X-PARAM=yes:kept value",
      "DUE;TZID=Europe/Berlin:20261201T090000",
      "BEGIN:VALARM",
      "ACTION:AUDIO",
      "TRIGGER;RELATED=END:-PT30M",
      "X-ALARM-THING:42",
      "END:VALARM",
    ]);
    expect((await dav("PUT", href, { auth: u.basic, body })).status).toBe(201);
    const got = await dav("GET", href, { auth: u.basic });
    expect(got.status).toBe(200);
    const unfolded = got.text.replace(/\r\n[ \t]/g, "");
    expect(unfolded).toContain("UID:abc123@laptop.example\r\n");
    expect(unfolded).toContain("SUMMARY:Long line " + "x".repeat(100));
    expect(unfolded).toContain("LOCATION:Office\\, 2nd floor\r\n");
    expect(unfolded).toContain("URL:https://example.com/a?b=c\r\n");
    expect(unfolded).toContain("X-CUSTOM;X-PARAM=yes:kept value\r\n");
    expect(unfolded).toContain("DUE;TZID=Europe/Berlin:20261201T090000\r\n");
    expect(unfolded).toMatch(/BEGIN:VALARM\r\nTRIGGER;RELATED=END:-PT30M\r\nACTION:AUDIO\r\nX-ALARM-THING:42\r\nEND:VALARM/);
    expect(got.text.split("\r\n").every((l) => Buffer.byteLength(l) <= 75)).toBe(true);
    // The listing names it as the client did.
    const listing = responses((await dav("PROPFIND", inbox(u), { auth: u.basic, headers: { depth: "1" }, body: PROPFIND_ALL })).text);
    expect(listing.has(href)).toBe(true);
    const api = (await fx.api.get("/tasks?limit=200", { token: u.accessToken })).body.items.find((t: any) => t.title.startsWith("Long line"));
    expect(api).toMatchObject({ dueAt: "2026-12-01T08:00:00.000Z", reminders: [expect.objectContaining({ offset: "-PT30M" })] });
  });

  test("RELATED-TO;RELTYPE=PARENT is the parent, named by the UID its client gave it, both ways", async () => {
    const u = users[0]!;
    expect((await dav("PUT", `${inbox(u)}parent-x.ics`, { auth: u.basic, body: ics("parent-x", ["SUMMARY:Parent"]) })).status).toBe(201);
    expect((await dav("PUT", `${inbox(u)}child-x.ics`, { auth: u.basic, body: ics("child-x", ["SUMMARY:Child", "RELATED-TO;RELTYPE=PARENT:parent-x"]) })).status).toBe(201);
    const items = (await fx.api.get("/tasks?limit=200", { token: u.accessToken })).body.items;
    const parent = items.find((t: any) => t.title === "Parent");
    const child = items.find((t: any) => t.title === "Child");
    expect(child.parentId).toBe(parent.id);
    expect((await dav("GET", `${inbox(u)}child-x.ics`, { auth: u.basic })).text).toContain("RELATED-TO;RELTYPE=PARENT:parent-x\r\n");
    // A subtask made in the API names its parent by id; an unknown parent's line is kept as written.
    const sub = (await fx.api.post("/tasks", { title: "API sub", parentId: parent.id }, { token: u.accessToken })).body;
    expect((await dav("GET", `${inbox(u)}${sub.id}.ics`, { auth: u.basic })).text).toContain("RELATED-TO;RELTYPE=PARENT:parent-x\r\n");
    const orphan = randomUUID();
    await dav("PUT", `${inbox(u)}${orphan}.ics`, { auth: u.basic, body: ics(orphan, ["SUMMARY:Orphan", "RELATED-TO;RELTYPE=PARENT:nowhere"]) });
    expect((await fx.api.get(`/tasks/${orphan}`, { token: u.accessToken })).body.parentId).toBeNull();
    expect((await dav("GET", `${inbox(u)}${orphan}.ics`, { auth: u.basic })).text).toContain("RELATED-TO;RELTYPE=PARENT:nowhere\r\n");
  });

  test("completing a recurring task from a client advances the series as the API's completion does", async () => {
    const u = users[0]!;
    const id = randomUUID();
    const href = `${inbox(u)}${id}.ics`;
    const series = ["SUMMARY:Water plants", "DTSTART;TZID=Europe/Berlin:20261201T090000", "DUE;TZID=Europe/Berlin:20261201T090000", "RRULE:FREQ=WEEKLY;BYDAY=TU", "EXDATE;TZID=Europe/Berlin:20261208T090000"];
    expect((await dav("PUT", href, { auth: u.basic, body: ics(id, series) })).status).toBe(201);
    const before = (await fx.api.get(`/tasks/${id}`, { token: u.accessToken })).body;
    expect(before.recurrence).toMatchObject({ rrule: "FREQ=WEEKLY;BYDAY=TU", timezone: "Europe/Berlin", exdates: ["2026-12-08T08:00:00.000Z"] });
    const done = await dav("PUT", href, { auth: u.basic, headers: { "if-match": '"1"' }, body: ics(id, [...series, "STATUS:COMPLETED", "COMPLETED:20261201T100000Z"]) });
    expect(done.status).toBe(204);
    // Not stored as sent (it moved on): no ETag, so the client reads it again.
    expect(done.headers.get("etag")).toBeNull();
    const after = (await fx.api.get(`/tasks/${id}`, { token: u.accessToken })).body;
    expect(after).toMatchObject({ status: "todo", dueAt: "2026-12-15T08:00:00.000Z" });
    expect((await fx.api.get(`/tasks/${id}/completions`, { token: u.accessToken })).body.items).toEqual([expect.objectContaining({ occurrenceAt: "2026-12-01T08:00:00.000Z" })]);
    const history = (await fx.api.get(`/tasks/${id}/history`, { token: u.accessToken })).body.items.map((h: any) => h.action);
    expect(history).toContain("completed");
    const got = await dav("GET", href, { auth: u.basic });
    expect(got.text).toContain("DUE;TZID=Europe/Berlin:20261215T090000");
    expect(got.text).toContain("STATUS:NEEDS-ACTION");
  });

  test("a client writing a series in UTC keeps its zone and its from: completion", async () => {
    const u = users[0]!;
    const task = (await fx.api.post("/tasks", { title: "Gym", dueAt: "2026-12-07T17:00:00Z", recurrence: { rrule: "FREQ=WEEKLY;BYDAY=MO", timezone: "Europe/Berlin", from: "completion" } }, { token: u.accessToken })).body;
    const put = await dav("PUT", `${inbox(u)}${task.id}.ics`, { auth: u.basic, body: ics(task.id, ["SUMMARY:Gym, legs", "DUE:20261207T170000Z", "RRULE:FREQ=WEEKLY;BYDAY=MO"]) });
    expect(put.status).toBe(204);
    expect((await fx.api.get(`/tasks/${task.id}`, { token: u.accessToken })).body).toMatchObject({
      title: "Gym, legs",
      dueAt: "2026-12-07T17:00:00.000Z",
      recurrence: expect.objectContaining({ timezone: "Europe/Berlin", from: "completion" }),
      version: 2,
    });
  });

  test("an invalid rule, ics without a VTODO, malformed text: 403 with a CalDAV precondition, never a 5xx", async () => {
    const u = users[0]!;
    const put = (body: string) => dav("PUT", `${inbox(u)}${randomUUID()}.ics`, { auth: u.basic, body });
    const badRule = await put(ics(randomUUID(), ["SUMMARY:x", "DUE:20261201T090000Z", "RRULE:FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=30"]));
    expect(badRule.status).toBe(403);
    expect(badRule.text).toContain("<cal:valid-calendar-object-resource/>");
    const event = await put("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:e\r\nDTSTART:20261201T090000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n");
    expect(event.status).toBe(403);
    expect(event.text).toContain("<cal:supported-calendar-component/>");
    for (const junk of ["", "hello", "BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\n", "BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\nUID:x\r\nDUE:notadate\r\nEND:VTODO\r\nEND:VCALENDAR\r\n"]) {
      const res = await put(junk);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
  });
});

test("a task made over CalDAV is searchable: its change went through the same events as the API's", async () => {
  const u = users[3]!;
  const id = randomUUID();
  expect((await dav("PUT", `${inbox(u)}${id}.ics`, { auth: u.basic, body: ics(id, ["SUMMARY:Quarterly zeppelin inspection"]) })).status).toBe(201);
  const found = await pollUntil(
    async () => (await fx.api.get("/tasks?q=zeppelin", { token: u.accessToken })).body.items.map((t: any) => t.id),
    (ids: string[]) => ids.includes(id),
  );
  expect(found).toContain(id);
  const history = (await fx.api.get(`/tasks/${id}/history`, { token: u.accessToken })).body.items;
  expect(history).toEqual([expect.objectContaining({ action: "created", actorId: u.id })]);
});

describe("reports", () => {
  let ids: { a: string; b: string; c: string };
  beforeAll(async () => {
    const u = users[1]!; // an editor of the project
    ids = { a: randomUUID(), b: randomUUID(), c: randomUUID() };
    await dav("PUT", `${shared(u)}${ids.a}.ics`, { auth: u.basic, body: ics(ids.a, ["SUMMARY:Due early December", "DUE:20261202T120000Z", "CATEGORIES:work"]) });
    await dav("PUT", `${shared(u)}${ids.b}.ics`, { auth: u.basic, body: ics(ids.b, ["SUMMARY:Due in January", "DUE:20270115T120000Z", "STATUS:COMPLETED"]) });
    await dav("PUT", `${shared(u)}${ids.c}.ics`, { auth: u.basic, body: ics(ids.c, ["SUMMARY:No dates"]) });
  });

  const query = (filter: string, props = "<d:getetag/><c:calendar-data/>") =>
    `<?xml version="1.0" encoding="utf-8" ?><c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop>${props}</d:prop><c:filter>${filter}</c:filter></c:calendar-query>`;
  const hrefsOf = (xml: string) => [...responses(xml).keys()].map((h) => h.split("/").pop()!.replace(/\.ics$/, "")).sort();

  test("calendar-query: all VTODOs unfiltered; RFC 4791 7.8.x time-range, prop-filter, is-not-defined", async () => {
    const u = users[0]!;
    const all = await dav("REPORT", shared(u), { auth: u.basic, headers: { depth: "1" }, body: query('<c:comp-filter name="VCALENDAR"><c:comp-filter name="VTODO"/></c:comp-filter>') });
    expect(all.status).toBe(207);
    expect(hrefsOf(all.text)).toEqual([ids.a, ids.b, ids.c].sort());
    expect(all.text).toContain("BEGIN:VTODO");

    // 7.8.1 adapted: a time range over December 2026.
    const december = await dav("REPORT", shared(u), {
      auth: u.basic,
      headers: { depth: "1" },
      body: query('<c:comp-filter name="VCALENDAR"><c:comp-filter name="VTODO"><c:time-range start="20261201T000000Z" end="20270101T000000Z"/></c:comp-filter></c:comp-filter>'),
    });
    // The dateless task overlaps every range by its CREATED time only when created before its end: it was created now (2026-11-30 or later).
    expect(hrefsOf(december.text)).toEqual(expect.arrayContaining([ids.a]));
    expect(hrefsOf(december.text)).not.toContain(ids.b);

    // 7.8.6 adapted: the VTODOs that are not completed (COMPLETED is-not-defined and STATUS not CANCELLED).
    const open = await dav("REPORT", shared(u), {
      auth: u.basic,
      headers: { depth: "1" },
      body: query(
        '<c:comp-filter name="VCALENDAR"><c:comp-filter name="VTODO"><c:prop-filter name="COMPLETED"><c:is-not-defined/></c:prop-filter><c:prop-filter name="STATUS"><c:text-match negate-condition="yes">CANCELLED</c:text-match></c:prop-filter></c:comp-filter></c:comp-filter>',
      ),
    });
    expect(hrefsOf(open.text)).toEqual([ids.a, ids.c].sort());

    const byText = await dav("REPORT", shared(u), {
      auth: u.basic,
      headers: { depth: "1" },
      body: query('<c:comp-filter name="VCALENDAR"><c:comp-filter name="VTODO"><c:prop-filter name="SUMMARY"><c:text-match collation="i;ascii-casemap">january</c:text-match></c:prop-filter></c:comp-filter></c:comp-filter>', "<d:getetag/>"),
    });
    expect(hrefsOf(byText.text)).toEqual([ids.b]);
    expect(byText.text).not.toContain("calendar-data");

    // A VEVENT query finds nothing here.
    const events = await dav("REPORT", shared(u), { auth: u.basic, headers: { depth: "1" }, body: query('<c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"/></c:comp-filter>') });
    expect(hrefsOf(events.text)).toEqual([]);
  });

  test("RFC 4791 7.8.5 (to-dos with an alarm in a range) and 7.8.6 (by a parameter: PARTSTAT) adapted", async () => {
    const u = users[1]!;
    const alarmed = randomUUID();
    const attendee = randomUUID();
    await dav("PUT", `${shared(u)}${alarmed}.ics`, {
      auth: u.basic,
      body: ics(alarmed, ["SUMMARY:Alarmed", "DUE:20261210T120000Z", "BEGIN:VALARM", "ACTION:DISPLAY", "TRIGGER;RELATED=END:-PT1H", "END:VALARM"]),
    });
    await dav("PUT", `${shared(u)}${attendee}.ics`, {
      auth: u.basic,
      body: ics(attendee, ["SUMMARY:With attendee", "ATTENDEE;PARTSTAT=NEEDS-ACTION;CN=Ann:mailto:ann@example.com"]),
    });
    const alarms = await dav("REPORT", shared(u), {
      auth: u.basic,
      headers: { depth: "1" },
      body: query('<c:comp-filter name="VCALENDAR"><c:comp-filter name="VTODO"><c:comp-filter name="VALARM"><c:time-range start="20261210T105000Z" end="20261210T111000Z"/></c:comp-filter></c:comp-filter></c:comp-filter>', "<d:getetag/>"),
    });
    expect(hrefsOf(alarms.text)).toEqual([alarmed]);
    const outside = await dav("REPORT", shared(u), {
      auth: u.basic,
      headers: { depth: "1" },
      body: query('<c:comp-filter name="VCALENDAR"><c:comp-filter name="VTODO"><c:comp-filter name="VALARM"><c:time-range start="20261210T113000Z" end="20261210T120000Z"/></c:comp-filter></c:comp-filter></c:comp-filter>', "<d:getetag/>"),
    });
    expect(hrefsOf(outside.text)).toEqual([]);
    const partstat = await dav("REPORT", shared(u), {
      auth: u.basic,
      headers: { depth: "1" },
      body: query(
        '<c:comp-filter name="VCALENDAR"><c:comp-filter name="VTODO"><c:prop-filter name="ATTENDEE"><c:text-match collation="i;ascii-casemap">mailto:ann@example.com</c:text-match><c:param-filter name="PARTSTAT"><c:text-match collation="i;ascii-casemap">NEEDS-ACTION</c:text-match></c:param-filter></c:prop-filter></c:comp-filter></c:comp-filter>',
        "<d:getetag/>",
      ),
    });
    expect(hrefsOf(partstat.text)).toEqual([attendee]);
    await dav("DELETE", `${shared(u)}${alarmed}.ics`, { auth: u.basic });
    await dav("DELETE", `${shared(u)}${attendee}.ics`, { auth: u.basic });
  });

  test("calendar-multiget (RFC 4791 7.9.1 adapted): found ones with data, a missing one 404", async () => {
    const u = users[2]!; // a viewer reads
    const missing = `${shared(u)}${randomUUID()}.ics`;
    const res = await dav("REPORT", shared(u), {
      auth: u.basic,
      headers: { depth: "1" },
      body: `<?xml version="1.0" encoding="utf-8" ?><c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/><c:calendar-data/></d:prop><d:href>${shared(u)}${ids.a}.ics</d:href><d:href>${missing}</d:href></c:calendar-multiget>`,
    });
    expect(res.status).toBe(207);
    const r = responses(res.text);
    expect(r.get(`${shared(u)}${ids.a}.ics`)).toContain("SUMMARY:Due early December");
    expect(r.get(missing)).toContain("404");
  });

  test("sync-collection: everything first, then only changes, a deletion as 404; a bad token 403 valid-sync-token", async () => {
    const u = users[0]!;
    const sync = (token: string) =>
      dav("REPORT", shared(u), {
        auth: u.basic,
        body: `<?xml version="1.0" encoding="utf-8" ?><d:sync-collection xmlns:d="DAV:"><d:sync-token>${token}</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>`,
      });
    const first = await sync("");
    expect(first.status).toBe(207);
    expect(hrefsOf(first.text)).toEqual(expect.arrayContaining([ids.a, ids.b, ids.c]));
    const token = /<d:sync-token>([^<]+)<\/d:sync-token>/.exec(first.text)![1]!;

    await fx.api.patch(`/tasks/${ids.a}`, { title: "Renamed by the API" }, { token: u.accessToken });
    await fx.api.delete(`/tasks/${ids.c}`, { token: u.accessToken });
    const next = await sync(token);
    const r = responses(next.text);
    expect(r.get(`${shared(u)}${ids.a}.ics`)).toContain('<d:getetag>"2"</d:getetag>');
    expect(r.get(`${shared(u)}${ids.c}.ics`)).toContain("404");
    expect(r.has(`${shared(u)}${ids.b}.ics`)).toBe(false);

    const bad = await sync("urn:todogenie:sync:forged.token");
    expect(bad.status).toBe(403);
    expect(bad.text).toContain("<d:valid-sync-token/>");
    // Another user's token is not this one's.
    const theirs = await dav("REPORT", shared(users[1]!), {
      auth: users[1]!.basic,
      body: `<d:sync-collection xmlns:d="DAV:"><d:sync-token>${token}</d:sync-token><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>`,
    });
    expect(theirs.status).toBe(403);
  });

  test("the ctag changes with the collection", async () => {
    const u = users[0]!;
    const ctag = async () => /<cs:getctag>([^<]+)</.exec((await dav("PROPFIND", shared(u), { auth: u.basic, headers: { depth: "0" }, body: PROPFIND_ALL })).text)![1];
    const before = await ctag();
    await fx.api.patch(`/tasks/${ids.b}`, { title: "changed" }, { token: u.accessToken });
    expect(await ctag()).not.toBe(before);
  });
});

describe("authentication and roles", () => {
  test("no or wrong credentials: 401 with WWW-Authenticate; a token of another account: 401", async () => {
    const none = await dav("PROPFIND", "/dav/", {});
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/^Basic realm=/);
    expect((await dav("PROPFIND", "/dav/", { auth: basic(users[0]!.email, "tg_pat_" + "x".repeat(43)) })).status).toBe(401);
    const token = users[1]!.basic.slice(6);
    const theirToken = Buffer.from(token, "base64").toString().split(":")[1]!;
    expect((await dav("PROPFIND", "/dav/", { auth: basic(users[0]!.email, theirToken) })).status).toBe(401);
    expect((await dav("PROPFIND", "/dav/", { auth: `Bearer ${users[0]!.accessToken}` })).status).toBe(401);
    const noScope = basic(users[0]!.email, await mint(users[0]!.accessToken, ["projects:read"]));
    expect((await dav("PROPFIND", "/dav/", { auth: noScope })).status).toBe(403);
  });

  /**
   * The role matrix of the DAV routes (test/e2e/authorization.e2e.ts's holds the JSON API's, with
   * Bearer tokens: DAV's Basic credentials and paths per user do not fit it). Each role addresses
   * the project's calendar under its own home; "anonymous" sends no credentials, "read-only"
   * is the owner with a tasks:read token.
   */
  describe("role matrix on the project's calendar", () => {
    const ROLES = ["owner", "editor", "viewer", "outsider", "read-only", "anonymous"] as const;
    type Role = (typeof ROLES)[number];
    const who = (role: Role): { user: DavUser; auth?: string } => {
      const i = { owner: 0, editor: 1, viewer: 2, outsider: 3, "read-only": 0, anonymous: 0 }[role];
      const user = users[i]!;
      return { user, auth: role === "anonymous" ? undefined : role === "read-only" ? user.readOnly : user.basic };
    };
    const newObject = async () => {
      const id = randomUUID();
      expect((await dav("PUT", `${shared(users[0]!)}${id}.ics`, { auth: users[0]!.basic, body: ics(id, ["SUMMARY:Matrix"]) })).status).toBe(201);
      return id;
    };
    const rows: { route: string; request: (u: DavUser) => Promise<{ method: string; path: string; body?: string; headers?: Record<string, string> }>; expect: Record<Role, number> }[] = [
      {
        route: "PROPFIND calendar (depth 1)",
        request: async (u) => ({ method: "PROPFIND", path: shared(u), headers: { depth: "1" }, body: PROPFIND_ALL }),
        expect: { owner: 207, editor: 207, viewer: 207, outsider: 404, "read-only": 207, anonymous: 401 },
      },
      {
        route: "REPORT calendar-query",
        request: async (u) => ({ method: "REPORT", path: shared(u), body: `<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/></d:prop></c:calendar-query>` }),
        expect: { owner: 207, editor: 207, viewer: 207, outsider: 404, "read-only": 207, anonymous: 401 },
      },
      {
        route: "REPORT sync-collection",
        request: async (u) => ({ method: "REPORT", path: shared(u), body: `<d:sync-collection xmlns:d="DAV:"><d:sync-token/><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>` }),
        expect: { owner: 207, editor: 207, viewer: 207, outsider: 404, "read-only": 207, anonymous: 401 },
      },
      {
        route: "GET object",
        request: async (u) => ({ method: "GET", path: `${shared(u)}${await newObject()}.ics` }),
        expect: { owner: 200, editor: 200, viewer: 200, outsider: 404, "read-only": 200, anonymous: 401 },
      },
      {
        route: "PUT object (create)",
        request: async (u) => {
          const id = randomUUID();
          return { method: "PUT", path: `${shared(u)}${id}.ics`, body: ics(id, ["SUMMARY:New"]) };
        },
        expect: { owner: 201, editor: 201, viewer: 403, outsider: 404, "read-only": 403, anonymous: 401 },
      },
      {
        route: "PUT object (update)",
        request: async (u) => {
          const id = await newObject();
          return { method: "PUT", path: `${shared(u)}${id}.ics`, body: ics(id, ["SUMMARY:Changed"]) };
        },
        expect: { owner: 204, editor: 204, viewer: 403, outsider: 404, "read-only": 403, anonymous: 401 },
      },
      {
        route: "DELETE object",
        request: async (u) => ({ method: "DELETE", path: `${shared(u)}${await newObject()}.ics` }),
        expect: { owner: 204, editor: 204, viewer: 403, outsider: 404, "read-only": 403, anonymous: 401 },
      },
      {
        route: "PROPFIND another user's home",
        request: async (u) => ({ method: "PROPFIND", path: home(u === users[3] ? users[0]! : users[3]!), headers: { depth: "0" } }),
        expect: { owner: 404, editor: 404, viewer: 404, outsider: 404, "read-only": 404, anonymous: 401 },
      },
      {
        route: "GET a project task through the inbox",
        request: async (u) => ({ method: "GET", path: `${inbox(u)}${await newObject()}.ics` }),
        expect: { owner: 404, editor: 404, viewer: 404, outsider: 404, "read-only": 404, anonymous: 401 },
      },
      {
        route: "PUT over another user's task id in one's inbox",
        request: async (u) => {
          const id = await newObject();
          return { method: "PUT", path: `${inbox(u)}${id}.ics`, body: ics(id, ["SUMMARY:Steal"]) };
        },
        expect: { owner: 409, editor: 409, viewer: 409, outsider: 409, "read-only": 403, anonymous: 401 },
      },
    ];

    test.each(rows.map((row) => [row.route, row] as const))("%s", async (_route, row) => {
      const got = {} as Record<Role, number>;
      for (const role of ROLES) {
        const { user, auth } = who(role);
        const { method, path, body, headers } = await row.request(user);
        got[role] = (await dav(method, path, { auth, body, headers })).status;
      }
      expect(got).toEqual(row.expect);
    });

    test("a viewer's PUT changes nothing; an editor's is the API's change", async () => {
      const id = await newObject();
      await dav("PUT", `${shared(users[2]!)}${id}.ics`, { auth: users[2]!.basic, body: ics(id, ["SUMMARY:by the viewer"]) });
      expect((await fx.api.get(`/tasks/${id}`, { token: users[0]!.accessToken })).body).toMatchObject({ title: "Matrix", version: 1 });
      await dav("PUT", `${shared(users[1]!)}${id}.ics`, { auth: users[1]!.basic, body: ics(id, ["SUMMARY:by the editor"]) });
      const history = (await fx.api.get(`/tasks/${id}/history`, { token: users[0]!.accessToken })).body.items;
      expect(history[0]).toMatchObject({ action: "updated", actorId: users[1]!.id, changes: [expect.objectContaining({ field: "title", to: "by the editor" })] });
    });
  });
});

describe("hostile input", () => {
  test("malformed XML, XXE, a huge body, a wrong collection, odd methods: clear 4xx, never 5xx", async () => {
    const u = users[0]!;
    const xxe = `<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><d:propfind xmlns:d="DAV:"><d:prop><d:displayname>&x;</d:displayname></d:prop></d:propfind>`;
    const res = await dav("PROPFIND", inbox(u), { auth: u.basic, body: xxe });
    expect(res.status).toBe(400);
    expect(res.text).not.toContain("root:");
    expect((await dav("PROPFIND", inbox(u), { auth: u.basic, body: "<d:propfind xmlns:d='DAV:'><d:prop>" })).status).toBe(400);
    expect((await dav("REPORT", inbox(u), { auth: u.basic, body: "<not-a-report/>" })).status).toBe(403);
    expect((await dav("REPORT", inbox(u), { auth: u.basic })).status).toBe(400);
    const huge = await dav("PUT", `${inbox(u)}${randomUUID()}.ics`, { auth: u.basic, body: ics(randomUUID(), ["SUMMARY:" + "x".repeat(2 * 1024 * 1024)]) });
    expect(huge.status).toBe(413);
    for (const path of [`${home(u)}${randomUUID()}/`, `${home(u)}not-a-project/`, `${home(u)}inbox/x.txt`, "/dav/nothing/here/", `${home(u)}inbox/%E0%A4%A.ics`]) {
      const r = await dav("PROPFIND", path, { auth: u.basic, headers: { depth: "1" } });
      expect([path, r.status]).toEqual([path, 404]);
    }
    expect((await dav("MKCALENDAR", `${home(u)}new/`, { auth: u.basic })).status).toBe(403);
    expect((await dav("POST", inbox(u), { auth: u.basic, body: "x" })).status).toBe(405);
    const filter = await dav("REPORT", inbox(u), {
      auth: u.basic,
      body: `<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VTODO"><c:time-range start="yesterday"/></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>`,
    });
    expect(filter.status).toBe(403);
    const deep = "<d:propfind xmlns:d='DAV:'>" + "<d:x>".repeat(100_000) + "</d:x>".repeat(100_000) + "</d:propfind>";
    const deepAnswer = await dav("PROPFIND", inbox(u), { auth: u.basic, body: deep });
    expect(deepAnswer.status).toBeGreaterThanOrEqual(200);
    expect(deepAnswer.status).toBeLessThan(500);
    const billion = `<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><d:propfind xmlns:d="DAV:"><d:prop><d:displayname>&b;</d:displayname></d:prop></d:propfind>`;
    expect((await dav("PROPFIND", inbox(u), { auth: u.basic, body: billion })).status).toBe(400);
    const binary = await fetch(`${fx.stack.baseUrl}${inbox(u)}${randomUUID()}.ics`, { method: "PUT", headers: { authorization: u.basic }, body: new Uint8Array([0, 255, 254, 10, 13, 0, 66, 69, 71, 73, 78]) });
    expect(binary.status).toBe(403);
    const nested = ics(randomUUID(), ["SUMMARY:x", ...Array.from({ length: 2000 }, () => "BEGIN:VALARM"), ...Array.from({ length: 2000 }, () => "END:VALARM")]);
    const nestedAnswer = await dav("PUT", `${inbox(u)}${randomUUID()}.ics`, { auth: u.basic, body: nested });
    // Alarms nested in alarms mean nothing to a task: taken or refused, never a 5xx.
    expect(nestedAnswer.status).toBeLessThan(500);
    expect((await dav("OPTIONS", "/dav/", {})).headers.get("dav")).toContain("calendar-access");
    // The API still parses JSON after the DAV router.
    expect((await fx.api.post("/tasks", { title: "still JSON" }, { token: u.accessToken })).status).toBe(201);
  });
});

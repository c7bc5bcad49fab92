/**
 * Quick add over HTTP: POST /tasks/parse and POST /tasks {quickAdd}, as a user and as an
 * attacker (someone else's project by name, a non-member by @name, hostile text).
 */
import { Api, expectProblem, share, TestUser } from "../support/api";
import { RunningStack, startStack } from "../support/stack";

let stack: RunningStack;
let api: Api;
let ada: TestUser;
let bob: TestUser;
let eve: TestUser;
let garden: { id: string };
let secret: { id: string };

const as = (u: { accessToken: string }, headers: Record<string, string> = {}) => ({ token: u.accessToken, headers });
const local = (iso: string, zone: string) =>
  new Intl.DateTimeFormat("sv-SE", { timeZone: zone, dateStyle: "short", timeStyle: "short" }).format(new Date(iso));

beforeAll(async () => {
  stack = await startStack();
  api = new Api(stack.baseUrl);
  [ada, bob, eve] = await Promise.all([
    api.newUser({ name: "Ada Lovelace", timezone: "Europe/Berlin" }),
    api.newUser({ name: "Bob Builder", timezone: "America/New_York" }),
    api.newUser({ name: "Eve Mallory", timezone: "UTC" }),
  ]);
  garden = (await api.post("/projects", { name: "Big Garden" }, as(ada))).body;
  await share(api, ada, garden.id, bob, "editor");
  secret = (await api.post("/projects", { name: "Secret Plans" }, as(ada))).body;
}, 60_000);
afterAll(() => stack?.stop(), 30_000);

describe("POST /tasks/parse", () => {
  test("answers fields, spans and ambiguities in the caller's zone", async () => {
    const text = 'Pay rent every month on the 1st at 9am #home !high +"Big Garden" @bob remind me 30 min before';
    const res = await api.post("/tasks/parse", { text }, as(ada));
    expect(res.status).toBe(200);
    const { fields, spans, ambiguities } = res.body;
    expect(fields).toMatchObject({ title: "Pay rent", tags: ["home"], priority: "high", projectId: garden.id, assigneeId: bob.user.id, reminders: [{ offset: "-PT30M", channels: ["sse"] }] });
    expect(fields.recurrence).toEqual({ rrule: "FREQ=MONTHLY;BYMONTHDAY=1", timezone: "Europe/Berlin", from: "due", exdates: [], text: "every month on the 1st at 09:00" });
    expect(local(fields.dueAt, "Europe/Berlin")).toMatch(/-01 09:00$/);
    expect(fields.dueAt).toMatch(/\+0[12]:00$/);
    expect(ambiguities).toEqual([]);
    const said = Object.fromEntries(spans.map((s: { start: number; end: number; field: string }) => [s.field, text.slice(s.start, s.end)]));
    expect(said).toMatchObject({ tags: "#home", priority: "!high", projectId: '+"Big Garden"', assigneeId: "@bob", reminders: "remind me 30 min before" });
  });

  test("a changed timezone is the caller's zone from their very next request", async () => {
    const zoe = await api.newUser({ name: "Zoe Zone", timezone: "UTC" });
    const parse = () => api.post("/tasks/parse", { text: "Water plants every Monday at 8am" }, as(zoe));
    expect((await parse()).body.fields.recurrence).toMatchObject({ timezone: "UTC" });
    expect((await api.patch("/me", { timezone: "Asia/Tokyo" }, as(zoe))).status).toBe(200);
    const after = (await parse()).body.fields;
    expect(after.recurrence).toMatchObject({ timezone: "Asia/Tokyo" });
    expect(local(after.dueAt, "Asia/Tokyo")).toMatch(/ 08:00$/);
  });

  test("German by locale or Accept-Language", async () => {
    const text = "Müll rausbringen jeden Dienstag um 19 Uhr #haushalt !hoch";
    for (const [body, headers] of [[{ text, locale: "de" }, {}], [{ text }, { "accept-language": "de-DE,de;q=0.9,en;q=0.5" }]] as const) {
      const res = await api.post("/tasks/parse", body, as(bob, headers));
      expect(res.status).toBe(200);
      expect(res.body.fields).toMatchObject({ title: "Müll rausbringen", tags: ["haushalt"], priority: "high", recurrence: { rrule: "FREQ=WEEKLY;BYDAY=TU", timezone: "America/New_York" } });
      expect(local(res.body.fields.dueAt, "America/New_York")).toMatch(/ 19:00$/);
    }
  });

  test("someone else's project by name resolves to nothing and answers as for a name no project has", async () => {
    const other = await api.post("/tasks/parse", { text: 'Steal +"Secret Plans"' }, as(eve));
    const none = await api.post("/tasks/parse", { text: 'Steal +"Nothing Such"' }, as(eve));
    expect(other.status).toBe(200);
    expect(other.body.fields.projectId).toBeUndefined();
    expect(other.body.spans).toEqual([]);
    expect(other.body.ambiguities).toEqual(['none of your projects is called "Secret Plans"']);
    expect(none.body.ambiguities).toEqual(['none of your projects is called "Nothing Such"']);
    expect(JSON.stringify(other.body)).not.toContain(secret.id);
  });

  test("@name of a non-member is nobody; a private task can be assigned to the caller only", async () => {
    const res = await api.post("/tasks/parse", { text: "Dig +Big_Garden @eve" }, as(ada));
    expect(res.body.fields).toMatchObject({ projectId: garden.id });
    expect(res.body.fields.assigneeId).toBeUndefined();
    expect(res.body.ambiguities).toEqual(['"@eve" is nobody in the task\'s project: nobody was assigned']);
    const own = await api.post("/tasks/parse", { text: "Dig @ada" }, as(ada));
    expect(own.body.fields.assigneeId).toBe(ada.user.id);
    const privateOther = await api.post("/tasks/parse", { text: "Dig @bob" }, as(ada));
    expect(privateOther.body.fields.assigneeId).toBeUndefined();
  });

  test("hostile or bad input: 422 for what the schema refuses, 200 for any text, never 5xx", async () => {
    for (const body of [{}, { text: "" }, { text: "x".repeat(1001) }, { text: "a", locale: "fr" }, { text: "a", extra: 1 }, { text: 42 }]) {
      expectProblem(await api.post("/tasks/parse", body, as(ada)), 422);
    }
    const hostile = [
      "every ".repeat(160), "@".repeat(900), '+"' + "a".repeat(200), "#".repeat(999), "every 999 days 9999 times until 9999",
      "every 0 days", "remind me 0 min before", "\u202e every 31st february", "on 31 February at 25:99", "every 3rd friday ".repeat(50),
      "🎉".repeat(400), "every last day of the month until yesterday", "every year on 30 February", "every 1000 weeks",
    ];
    for (const text of hostile) {
      const res = await api.post("/tasks/parse", { text }, as(ada));
      expect([res.status, text]).toEqual([200, text]);
    }
    expectProblem(await api.post("/tasks/parse", { text: "hi" }), 401);
  });
});

describe("POST /tasks with quickAdd", () => {
  test("creates the task the phrase describes; its recurrence reads in words", async () => {
    const res = await api.post("/tasks", { quickAdd: "Water plants every 2 weeks after completion +Big_Garden @Bob !2 #green" }, as(ada));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ title: "Water plants", priority: "high", tags: ["green"], projectId: garden.id, assigneeId: bob.user.id, ownerId: ada.user.id });
    expect(res.body.recurrence).toMatchObject({ rrule: "FREQ=WEEKLY;INTERVAL=2", from: "completion", timezone: "Europe/Berlin" });
    expect(res.body.recurrence.text).toMatch(/^every other week on \w+day at 09:00, counted from each completion$/);
    const occurrences = await api.get(`/tasks/${res.body.id}/occurrences?limit=3`, as(ada));
    expect(occurrences.body.items).toHaveLength(3);
  });

  test("explicit fields beside the phrase win", async () => {
    const res = await api.post("/tasks", { quickAdd: "Call mom on 3 March 2031 at 5pm #family !low", title: "Call Mum", tags: ["home"], priority: "urgent" }, as(ada));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ title: "Call Mum", tags: ["home"], priority: "urgent" });
    expect(local(res.body.dueAt, "Europe/Berlin")).toBe("2031-03-03 17:00");
  });

  test("a phrase naming someone else's project creates a private task; a phrase with no title is 422", async () => {
    const res = await api.post("/tasks", { quickAdd: 'Spy +"Secret Plans" @ada' }, as(eve));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ title: "Spy", projectId: null, assigneeId: null });
    const empty = await api.post("/tasks", { quickAdd: "tomorrow 5pm #x" }, as(eve));
    expectProblem(empty, 422);
    expect(empty.body.errors).toEqual([expect.objectContaining({ path: "body.quickAdd" })]);
    expectProblem(await api.post("/tasks", { quickAdd: "x", bogus: true }, as(eve)), 422);
    expectProblem(await api.post("/tasks", { quickAdd: "x", projectId: secret.id }, as(eve)), 404);
  });

  test("the old body keeps its own errors, and the OpenAPI document shows both shapes and the parse route", async () => {
    const res = await api.post("/tasks", {}, as(ada));
    expectProblem(res, 422);
    expect(res.body.errors).toEqual([expect.objectContaining({ path: "body.title" })]);
    const doc = (await api.get("/openapi.json")).body;
    expect(doc.paths["/api/v1/tasks/parse"].post.requestBody.content["application/json"].schema).toEqual({ $ref: "#/components/schemas/ParseTask" });
    expect(JSON.stringify(doc.paths["/api/v1/tasks"].post.requestBody)).toContain("#/components/schemas/QuickAddTask");
    expect(doc.components.schemas.CreateTask).toMatchObject({ required: ["title"] });
  });
});

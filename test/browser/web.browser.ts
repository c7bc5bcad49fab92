/**
 * The web client in a real browser (Debian's headless Chromium through playwright-core)
 * against a real stack. The browser runs in New York while the user lives in Berlin: every
 * time on the page must follow the user's zone, not the browser's.
 */
import { toLocalInput } from "../../web/src/time";
import { Api } from "../support/api";
import { RunningStack, startStack } from "../support/stack";
import { Artifacts, Browser, BrowserContext, buildWebClient, eventually, launchChromium, Page, RECORD_INIT_SCRIPT, visible } from "./browser";

const ZONE = "Europe/Berlin";
const PASSWORD = "correct horse battery";
const email = `browser-${Date.now()}@example.com`;

let stack: RunningStack;
let api: Api;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let token: string;
const artifacts = new Artifacts();

beforeAll(async () => {
  buildWebClient();
  // Both start at once; whichever comes up is kept, so afterAll stops it when the other failed.
  const [started, launched] = await Promise.allSettled([startStack(), launchChromium()]);
  if (started.status === "fulfilled") stack = started.value;
  if (launched.status === "fulfilled") browser = launched.value;
  for (const r of [launched, started]) if (r.status === "rejected") throw r.reason;
  api = new Api(stack.baseUrl);
  context = await browser.newContext({
    baseURL: stack.baseUrl,
    permissions: ["notifications"],
    locale: "en-GB",
    timezoneId: "America/New_York",
    viewport: { width: 1100, height: 850 },
  });
  await context.addInitScript(RECORD_INIT_SCRIPT);
  page = await context.newPage();
  page.setDefaultTimeout(15_000);
  artifacts.watch(page);
}, 120_000);

afterAll(async () => {
  const dir = artifacts.write(`web-${stack?.mode ?? "embedded"}`);
  if (dir) console.log(`browser artifacts: ${dir}`);
  await browser?.close();
  await stack?.stop();
}, 60_000);

/** A test whose failure leaves a screenshot of the page. */
function step(name: string, body: () => Promise<void>, timeout = 60_000): void {
  test(name, () => artifacts.step(page, name, body), timeout);
}

const recorded = () => page.evaluate(() => (globalThis as unknown as { __notifications: { title: string; body?: string; tag?: string }[] }).__notifications);
const rows = () => page.locator("#task-list > li");
const row = (title: string) => rows().filter({ hasText: title });
const toasts = (title: string) => page.locator(".toast-reminder").filter({ hasText: title });
const streamUrls = () =>
  page.evaluate(() => (globalThis as unknown as { __eventSources: { url: string }[] }).__eventSources.map((e) => new URL(e.url)));
const streamState = (state: string) => visible(page.locator(`.connection[data-state="${state}"]`), `the stream ${state}`, 30_000);

/** Opens the new-task dialog; its fields are looked up inside it. */
async function newTaskDialog() {
  await page.getByRole("button", { name: "New task" }).click();
  return visible(page.getByRole("dialog", { name: "New task" }), "the new-task dialog");
}

step("signs up and lands on a live, empty task list", async () => {
  await page.goto("/");
  await page.waitForURL("**/signin");
  await page.getByRole("link", { name: "Create an account" }).click();
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByLabel("Time zone").fill(ZONE);
  await artifacts.shoot(page, "sign-up");
  await page.getByRole("button", { name: "Create account" }).click();
  await visible(page.getByRole("heading", { name: "Tasks" }), "the task list");
  await visible(page.locator('.connection[data-state="live"]'), "the live notification stream");
  expect(await page.evaluate(() => (globalThis as unknown as { Notification: { permission: string } }).Notification.permission)).toBe("granted");
  token = (await api.post("/auth/login", { email, password: PASSWORD })).body.accessToken;
  expect((await api.get("/me", { token })).body.timezone).toBe(ZONE);
  await artifacts.shoot(page, "tasks-empty");
});

step("a reminder a few seconds ahead shows a toast and a system notification", async () => {
  const editor = await newTaskDialog();
  await editor.getByLabel("Title", { exact: true }).fill("Water the plants");
  await editor.getByRole("button", { name: "Add reminder" }).click();
  await editor.getByLabel("When", { exact: true }).selectOption("at");
  await editor.getByLabel("Remind at").fill(toLocalInput(new Date(Date.now() + 6_000), ZONE));
  await editor.getByRole("button", { name: "Create task" }).click();
  await visible(row("Water the plants"), "the new task in the list");

  const toast = await visible(toasts("Water the plants"), "the reminder toast", 30_000);
  await artifacts.shoot(page, "reminder-toast");
  const id = await toast.getAttribute("data-id");
  const calls = await recorded();
  expect(calls).toEqual([{ title: "Water the plants", body: expect.any(String), tag: id }]);
  const inbox = (await api.get("/notifications", { token })).body.items;
  expect(inbox.map((n: { id: string }) => n.id)).toEqual([id]);
  await visible(page.getByRole("link", { name: "Inbox 1 unread" }), "the unread count");
});

step("the inbox marks a notification read", async () => {
  await page.getByRole("link", { name: /^Inbox/ }).click();
  await visible(page.getByRole("heading", { name: "Inbox" }), "the inbox");
  await artifacts.shoot(page, "inbox");
  await page.getByRole("button", { name: "Mark “Water the plants” read" }).click();
  await page.locator(".count-badge").waitFor({ state: "hidden" });
  await eventually("the notification read on the server", async () => (await api.get("/notifications?unread=true", { token })).body.items.length === 0);
});

step("a weekly task previews its occurrences, and completing it shows the next due date", async () => {
  await page.getByRole("link", { name: "Tasks" }).click();
  const editor = await newTaskDialog();
  await editor.getByLabel("Title", { exact: true }).fill("Weekly review");
  await editor.getByLabel("Due", { exact: true }).fill("2030-01-07T09:00");
  await editor.getByLabel("Repeats").selectOption("weekly");
  // The due date's weekday is picked for you; the preview is what the server will schedule.
  expect(await editor.getByRole("checkbox", { name: "Mon" }).isChecked()).toBe(true);
  const preview = editor.locator(".occurrences li");
  await visible(preview.filter({ hasText: "Mon, 14 Jan 2030, 09:00" }), "the second occurrence in the preview");
  expect(await preview.count()).toBe(5);
  await artifacts.shoot(page, "editor-recurrence");
  await editor.getByRole("button", { name: "Create task" }).click();
  await visible(row("Weekly review").filter({ hasText: "7 Jan 2030, 09:00" }), "the weekly task");

  const [task] = (await api.get("/tasks", { token })).body.items.filter((t: { title: string }) => t.title === "Weekly review");
  expect(task).toMatchObject({ dueAt: "2030-01-07T08:00:00.000Z", recurrence: { rrule: "FREQ=WEEKLY;BYDAY=MO", timezone: ZONE } });

  await page.getByRole("button", { name: "Complete “Weekly review”" }).click();
  await visible(row("Weekly review").filter({ hasText: "14 Jan 2030, 09:00" }), "the next occurrence after completing");
  expect((await api.get(`/tasks/${task.id}`, { token })).body).toMatchObject({ status: "todo", dueAt: "2030-01-14T08:00:00.000Z" });
  await artifacts.shoot(page, "completed-recurring");

  // Editing one field sends that field alone: the series keeps its start and its next date.
  await page.getByRole("button", { name: "Weekly review", exact: true }).click();
  const edit = await visible(page.getByRole("dialog", { name: "Edit task" }), "the edit dialog");
  await visible(edit.locator(".occurrences li").first().filter({ hasText: "Mon, 14 Jan 2030, 09:00" }), "the server's occurrences from the current due date");
  await edit.getByLabel("Priority").selectOption("high");
  await edit.getByRole("button", { name: "Save" }).click();
  await visible(row("Weekly review").filter({ hasText: "High priority" }), "the edited task");
  expect((await api.get(`/tasks/${task.id}`, { token })).body).toMatchObject({
    priority: "high",
    dueAt: "2030-01-14T08:00:00.000Z",
    recurrence: { rrule: "FREQ=WEEKLY;BYDAY=MO" },
    version: task.version + 2,
  });
});

step("after a network loss it reconnects with a fresh ticket and shows what it missed, once", async () => {
  const inbox = async () => (await api.get("/notifications", { token })).body.items as { id: string; title: string }[];
  try {
    await context.setOffline(true);
    await streamState("offline");
    const at = new Date(Date.now() + 1_000).toISOString();
    expect((await api.post("/tasks", { title: "Missed while offline", reminders: [{ at }] }, { token })).status).toBe(201);
    await eventually("the reminder fired while the page was offline", async () => (await inbox()).length === 2);
  } finally {
    await context.setOffline(false);
  }
  await visible(toasts("Missed while offline"), "the replayed reminder", 30_000);
  await streamState("live");
  expect(await toasts("Missed while offline").count()).toBe(1);
  expect((await recorded()).map((c) => c.title)).toEqual(["Water the plants", "Missed while offline"]);

  // A stream that fails (the server went away) is reopened the same way: a new ticket, and the last id seen.
  const [missed] = await inbox();
  const before = await streamUrls();
  await page.evaluate(() => {
    const sources = (globalThis as unknown as { __eventSources: { source: EventTarget }[] }).__eventSources;
    sources[sources.length - 1]!.source.dispatchEvent(new Event("error"));
  });
  await eventually("a new stream", async () => (await streamUrls()).length > before.length);
  await streamState("live");
  const [previous, latest] = (await streamUrls()).slice(-2);
  expect(latest!.searchParams.get("lastEventId")).toBe(missed!.id);
  expect(latest!.searchParams.get("ticket")).not.toBe(previous!.searchParams.get("ticket"));
});

step("the list loads the next page as it scrolls", async () => {
  for (let i = 0; i < 34; i++) {
    const res = await api.post("/tasks", { title: `Filler ${String(i + 1).padStart(2, "0")}`, tags: ["filler"] }, { token });
    expect(res.status).toBe(201);
  }
  await page.goto("/");
  await visible(row("Filler 34"), "the newest task first");
  expect(await rows().count()).toBe(30);
  await page.locator(".sentinel").scrollIntoViewIfNeeded();
  await visible(row("Weekly review"), "the second page", 15_000);
  expect(await rows().count()).toBe(37);
  expect(await page.locator(".list-status").textContent()).toBe("37 tasks");
});

step("search with a typo finds the task", async () => {
  expect((await api.post("/tasks", { title: "Buy groceries", tags: ["home"] }, { token })).status).toBe(201);
  await page.getByLabel("Search").fill("grocries");
  await visible(row("Buy groceries"), "the task found despite the typo", 20_000);
  await eventually("only the match listed", async () => (await rows().count()) === 1);
  await artifacts.shoot(page, "search");
  await page.getByLabel("Search").fill("");
});

step("settings keep the time zone, phone, WhatsApp opt-in and quiet hours", async () => {
  await page.getByRole("link", { name: "Settings" }).click();
  await page.getByLabel("Phone number").fill("+4915112345678");
  await page.getByLabel("Send me reminders on WhatsApp").check();
  await page.getByLabel("Quiet hours (no WhatsApp messages)").check();
  await page.getByLabel("From").fill("22:30");
  await page.getByLabel("Until").fill("06:45");
  await artifacts.shoot(page, "settings");
  await page.getByRole("button", { name: "Save settings" }).click();
  await visible(page.locator(".toast").filter({ hasText: "Settings saved" }), "the confirmation");
  expect((await api.get("/me", { token })).body).toMatchObject({
    timezone: ZONE,
    phone: "+4915112345678",
    phoneVerified: false,
    whatsappOptIn: true,
    notificationPrefs: { quietHours: { start: "22:30", end: "06:45" } },
  });
  // A saved number is unverified: the page says so and offers to send a code.
  await visible(page.getByText("+4915112345678 is not verified"), "the unverified state");
  await page.getByRole("button", { name: "Send code" }).click();
  await visible(page.locator(".toast").filter({ hasText: "Code sent" }), "the code's confirmation");
  await page.getByLabel("Code", { exact: true }).fill("000000");
  await page.getByRole("button", { name: "Verify" }).click();
  await visible(page.getByRole("alert").filter({ hasText: "Wrong code" }), "a wrong code refused");
});

step("works from the keyboard and fits a phone screen", async () => {
  await page.getByRole("link", { name: "Tasks" }).click();
  const create = page.getByRole("button", { name: "New task" });
  await create.focus();
  await page.keyboard.press("Enter");
  await visible(page.getByRole("dialog", { name: "New task" }), "the dialog opened with Enter");
  expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { name: string } } }).document.activeElement.name)).toBe("title");
  await page.keyboard.press("Escape");
  await page.getByRole("dialog").waitFor({ state: "detached" });
  expect(await create.evaluate((el) => el === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement)).toBe(true);

  await page.setViewportSize({ width: 390, height: 844 });
  await visible(row("Filler 34"), "the list on a phone");
  const overflow = await page.evaluate(() => {
    const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
    return root.scrollWidth - root.clientWidth;
  });
  expect(overflow).toBeLessThanOrEqual(0);
  await artifacts.shoot(page, "phone");
});

step("an invitation waits in the inbox until accepted; then the project's tasks are listed", async () => {
  const owner = await api.newUser({ name: "Beatrice" });
  const projectId = (await api.post("/projects", { name: "Book club" }, { token: owner.accessToken })).body.id;
  await api.post("/tasks", { title: "Pick the next book", projectId }, { token: owner.accessToken });
  expect((await api.post(`/projects/${projectId}/members`, { email, role: "editor" }, { token: owner.accessToken })).status).toBe(202);

  await page.getByRole("link", { name: /^Inbox/ }).click();
  const invitations = page.getByRole("list", { name: "Invitations" });
  await visible(invitations.getByText("Beatrice invites you as editor"), "the pending invitation");
  await artifacts.shoot(page, "invitation");
  await invitations.getByRole("button", { name: "Accept" }).click();
  await visible(page.locator(".toast").filter({ hasText: "You joined “Book club”" }), "the confirmation");
  expect((await api.get("/invitations", { token })).body.items).toEqual([]);
  await page.getByRole("link", { name: "Tasks" }).click();
  await visible(row("Pick the next book"), "the shared project's task in the list");
});

step("quick add previews the parse while typing and creates the task on Enter", async () => {
  const box = page.getByLabel("Quick add");
  await box.fill("Pay rent every month on the 1st at 9am #home !high");
  const line = page.locator(".qa-line");
  await visible(line.locator("mark.qa-recurrence").filter({ hasText: "every month on the 1st" }), "the recurrence highlighted");
  await visible(line.locator("mark.qa-tags").filter({ hasText: "#home" }), "the tag highlighted");
  const preview = page.locator("#qa-preview");
  await visible(preview.getByText("every month on the 1st at 09:00"), "the rule in words");
  await visible(preview.locator(".qa-next li").nth(3), "the next occurrences");
  expect(await preview.locator(".qa-next li").first().textContent()).toMatch(/^\w{3}, 1 \w{3} \d{4}, 09:00$/);
  await artifacts.shoot(page, "quick-add");
  await box.press("Enter");
  await visible(row("Pay rent").filter({ hasText: "every month on the 1st at 09:00" }), "the task with its rule in words");
  const [task] = (await api.get("/tasks", { token })).body.items.filter((t: { title: string }) => t.title === "Pay rent");
  expect(task).toMatchObject({ priority: "high", tags: ["home"], recurrence: { rrule: "FREQ=MONTHLY;BYMONTHDAY=1", timezone: ZONE } });
  expect(await box.inputValue()).toBe("");
});

step("a parent shows its subtasks' progress, takes comments, shows its history and completes them too when asked", async () => {
  const parent = (await api.post("/tasks", { title: "Plan the trip" }, { token })).body;
  for (const title of ["Book flights", "Book a hotel"]) expect((await api.post("/tasks", { title, parentId: parent.id }, { token })).status).toBe(201);
  expect((await api.patch(`/tasks/${parent.id}`, { priority: "high" }, { token })).status).toBe(200);
  await page.goto("/");
  const progress = page.getByRole("button", { name: "Subtasks of “Plan the trip”: 0/2 done" });
  await visible(progress, "the parent's progress in the list");
  // The list is top-level: subtasks show under their parent once it is expanded.
  expect(await row("Book flights").count()).toBe(0);
  await progress.click();
  const children = page.getByRole("list", { name: "Subtasks of “Plan the trip”" });
  await visible(children.locator("li").filter({ hasText: "Book a hotel" }), "the subtasks under their parent");
  expect(await children.locator("li").count()).toBe(2);
  await artifacts.shoot(page, "subtasks");
  await children.getByRole("button", { name: "Complete “Book flights”" }).click();
  await visible(page.getByRole("button", { name: "Subtasks of “Plan the trip”: 1/2 done" }), "the progress after completing a subtask");
  await visible(children.getByRole("button", { name: "Reopen “Book flights”" }), "the done subtask still under its parent");

  // The editor adds a subtask, naming its parent.
  await page.getByRole("button", { name: "Plan the trip", exact: true }).click();
  let edit = await visible(page.getByRole("dialog", { name: "Edit task" }), "the edit dialog");
  await edit.getByRole("button", { name: "Add subtask" }).click();
  const sub = await visible(page.getByRole("dialog", { name: "New subtask" }), "the new-subtask dialog");
  await visible(sub.getByText("Subtask of “Plan the trip”"), "the parent named");
  await sub.getByLabel("Title", { exact: true }).fill("Renew passport");
  await sub.getByRole("button", { name: "Create task" }).click();
  await visible(page.getByRole("button", { name: "Subtasks of “Plan the trip”: 1/3 done" }), "the progress with the new subtask");

  // A comment appears in the thread; the history tab lists who did what.
  await page.getByRole("button", { name: "Plan the trip", exact: true }).click();
  edit = await visible(page.getByRole("dialog", { name: "Edit task" }), "the edit dialog");
  await visible(edit.getByText("No comments yet."), "the empty thread");
  await edit.getByLabel("Comment", { exact: true }).fill("Flights first, <b>then</b> the hotel");
  await edit.getByRole("button", { name: "Add comment" }).click();
  const comments = edit.getByRole("list", { name: "Comments" });
  await visible(comments.locator("li").filter({ hasText: "Flights first, <b>then</b> the hotel" }), "the comment as plain text in the thread");
  expect((await api.get(`/tasks/${parent.id}/comments`, { token })).body.items).toMatchObject([{ text: "Flights first, <b>then</b> the hotel" }]);
  await edit.getByRole("tab", { name: "History" }).click();
  const history = edit.getByRole("list", { name: "History" });
  await visible(history.locator("li.history-entry").filter({ hasText: "You commented" }), "the comment in the history");
  await visible(history.locator("li.history-entry").filter({ hasText: "You created the task" }), "the creation in the history");
  await visible(history.locator("li.history-entry").filter({ hasText: "You changed" }).getByText("Priority: none → high"), "a change from → to");
  await artifacts.shoot(page, "history");
  await edit.getByRole("button", { name: "Cancel" }).click();
  await page.getByRole("dialog").waitFor({ state: "detached" });

  // Completing a parent with open subtasks asks first, and sends the choice.
  await page.getByRole("button", { name: "Complete “Plan the trip”" }).click();
  const ask = await visible(page.getByRole("dialog", { name: "Complete “Plan the trip”?" }), "the choice");
  await visible(ask.getByText("It has 2 subtasks still open."), "what is at stake");
  await artifacts.shoot(page, "complete-parent");
  await ask.getByRole("button", { name: "Complete them too" }).click();
  await row("Plan the trip").waitFor({ state: "detached" });
  const kids = (await api.get(`/tasks?parentId=${parent.id}`, { token })).body.items as { status: string }[];
  expect(kids.map((k) => k.status)).toEqual(["done", "done", "done"]);
  expect((await api.get(`/tasks/${parent.id}`, { token })).body).toMatchObject({ status: "done", progress: { done: 3, total: 3 } });
});

step("blockedBy is edited in the task editor; a search finds a task by its comment and shows it", async () => {
  const cake = (await api.post("/tasks", { title: "Order the cake" }, { token })).body;
  const invites = (await api.post("/tasks", { title: "Send the invitations" }, { token })).body;
  await page.goto("/");
  await page.getByRole("button", { name: "Send the invitations", exact: true }).click();
  let edit = await visible(page.getByRole("dialog", { name: "Edit task" }), "the edit dialog");
  await edit.getByLabel("Search a task to wait for").fill("cake");
  await edit.getByRole("button", { name: "Wait for “Order the cake”" }).click();
  await visible(edit.getByRole("list", { name: "Blocked by" }).getByText("Order the cake"), "the chosen blocker");
  await artifacts.shoot(page, "blocked-by");
  await edit.getByRole("button", { name: "Save" }).click();
  await visible(row("Send the invitations").locator(".blocked"), "the Blocked badge in the list");
  expect((await api.get(`/tasks/${invites.id}`, { token })).body).toMatchObject({ blocked: true, blockedBy: [cake.id] });

  // Reopened, the editor names the blocker; removing it frees the task.
  await page.getByRole("button", { name: "Send the invitations", exact: true }).click();
  edit = await visible(page.getByRole("dialog", { name: "Edit task" }), "the edit dialog again");
  await edit.getByRole("button", { name: "Remove “Order the cake” from Blocked by" }).click();
  await edit.getByRole("button", { name: "Save" }).click();
  await page.getByRole("dialog").waitFor({ state: "detached" });
  await eventually("the task no longer blocked", async () => (await api.get(`/tasks/${invites.id}`, { token })).body.blocked === false);
  expect((await api.get(`/tasks/${invites.id}`, { token })).body.blockedBy).toEqual([]);

  // A comment's words find its task; the hit shows the comment with the match in bold.
  expect((await api.post(`/tasks/${cake.id}/comments`, { text: "Chocolate with raspberries, please" }, { token })).status).toBe(201);
  await page.getByLabel("Search").fill("raspb");
  const hit = row("Order the cake");
  await visible(hit.locator(".comment-snippet .hit").filter({ hasText: "raspb" }), "the comment's match in bold", 20_000);
  await artifacts.shoot(page, "comment-search");
  await page.getByLabel("Search").fill("");
});

import { Api } from "./api";
import { App, Signal, View, zoneOf } from "./app";
import { h, replace } from "./dom";
import { askPermission, permission, systemNotify } from "./notifier";
import { NotificationStream, StreamState } from "./stream";
import { lateExplanation } from "./late";
import { formatInstant } from "./time";
import { failure, toast } from "./toasts";
import type { Notification, User } from "./types";
import { authView } from "./views/auth";
import { inboxView, markRead, snooze } from "./views/inbox";
import { settingsView } from "./views/settings";
import { resetTaskList, tasksView } from "./views/tasks";

const ROUTES: Record<string, { view: View; title: string }> = {
  "/": { view: tasksView, title: "Tasks" },
  "/inbox": { view: inboxView, title: "Inbox" },
  "/settings": { view: settingsView, title: "Settings" },
};

const api = new Api();
const header = document.getElementById("app-header")!;
const main = document.getElementById("main")!;
let app: App | undefined;
let stream: NotificationStream | undefined;
let leave: (() => void) | void;

function navigate(path: string): void {
  if (path !== location.pathname + location.search) history.pushState(null, "", path);
  render(true);
}

/** Shows the page for the current URL: the sign-in pages until there is a session. */
function render(moveFocus = false): void {
  leave?.();
  leave = undefined;
  const path = location.pathname;
  if (!app) {
    const mode = path === "/signup" ? "signup" : "signin";
    if (path !== `/${mode}`) history.replaceState(null, "", `/${mode}`);
    header.replaceChildren(h("div", { class: "bar" }, h("span", { class: "brand" }, "Todogenie")));
    authView(api, main, mode, (user) => void signedIn(user, true));
    document.title = `${mode === "signup" ? "Sign up" : "Sign in"} · Todogenie`;
  } else {
    if (path === "/signin" || path === "/signup") history.replaceState(null, "", "/");
    const route = ROUTES[location.pathname];
    if (route) leave = route.view(app, main);
    else replace(main, h("h1", { tabindex: "-1" }, "Not found"), h("p", null, h("a", { href: "/", "data-link": true }, "Back to your tasks")));
    document.title = `${route?.title ?? "Not found"} · Todogenie`;
    header.querySelectorAll("nav a").forEach((a) => {
      if (a.getAttribute("href") === location.pathname) a.setAttribute("aria-current", "page");
      else a.removeAttribute("aria-current");
    });
  }
  // After a navigation, screen readers start at the new page's heading.
  if (moveFocus) main.querySelector<HTMLElement>("h1")?.focus();
}

async function signedIn(user: User, moveFocus: boolean): Promise<void> {
  app = {
    api,
    me: new Signal(user),
    unread: new Signal(0),
    notifications: new Signal<Notification | null>(null),
    navigate,
  };
  renderHeader(app);
  render(moveFocus);
  await startNotifications(app);
}

function signedOut(): void {
  stream?.stop();
  stream = undefined;
  app = undefined;
  resetTaskList();
  document.querySelectorAll("dialog").forEach((d) => d.remove());
  render(true);
}

async function signOut(): Promise<void> {
  await api.logout();
  signedOut();
}

function renderHeader(app: App): void {
  const count = h("span", { class: "count-badge", hidden: true });
  app.unread.watch((n) => {
    count.hidden = n === 0;
    count.textContent = n > 99 ? "99+" : String(n);
    count.setAttribute("aria-label", `${n} unread`);
  });
  const connection = h("span", { class: "connection", role: "status" });
  const enable = h("button", { type: "button", class: "ghost", hidden: permission() !== "default" }, "Enable notifications");
  enable.addEventListener("click", async () => {
    enable.hidden = (await askPermission()) !== "default";
  });
  const link = (href: string, ...label: (string | HTMLElement)[]) => h("li", null, h("a", { href, "data-link": true }, ...label));
  header.replaceChildren(
    h(
      "div",
      { class: "bar" },
      h("a", { href: "/", class: "brand", "data-link": true }, "Todogenie"),
      h("nav", { "aria-label": "Main" }, h("ul", null, link("/", "Tasks"), link("/inbox", "Inbox", count), link("/settings", "Settings"))),
      h("div", { class: "bar-end" }, connection, enable, h("button", { type: "button", class: "ghost", onclick: () => void signOut() }, "Sign out")),
    ),
  );
  showConnection(connection, "connecting");
  connection.dataset.role = "connection";
}

const CONNECTION: Record<StreamState, string> = { connecting: "Connecting…", live: "Live", offline: "Offline, reconnecting…" };
function showConnection(el: HTMLElement, state: StreamState): void {
  el.dataset.state = state;
  el.textContent = CONNECTION[state];
}

/** The unread count, then the stream from the newest notification already in the inbox on. */
async function startNotifications(current: App): Promise<void> {
  const [latest, unread] = await Promise.all([
    api.listNotifications({ limit: 1 }).catch(() => undefined),
    api.listNotifications({ unread: true, limit: 100 }).catch(() => undefined),
  ]);
  if (app !== current) return;
  if (unread) current.unread.set(unread.items.length);
  const connection = header.querySelector<HTMLElement>("[data-role=connection]")!;
  stream = new NotificationStream(api, (n) => remind(current, n), (state) => showConnection(connection, state));
  stream.start(latest?.items[0]?.id);
}

/** A reminder arrived: a toast in the page, and a system notification where the user allowed them. */
function remind(app: App, n: Notification): void {
  if (!n.readAt) app.unread.set(app.unread.value + 1);
  app.notifications.set(n);
  const body = n.dueAt ? `Due ${formatInstant(n.dueAt, zoneOf(app))}` : "Reminder";
  toast({
    id: n.id,
    kind: "reminder",
    title: n.title,
    body,
    badge: n.late ? { text: "Late", title: lateExplanation(n) } : undefined,
    actions: [
      { label: "Mark read", run: () => markRead(app, n).catch((err) => failure("Could not mark it read", err)) },
      { label: "Snooze 10 min", run: () => snooze(app, n, 10).catch((err) => failure("Could not snooze", err)) },
    ],
  });
  systemNotify(n.title, body, n.id, () => navigate("/inbox"));
}

document.addEventListener("click", (e) => {
  const a = (e.target as Element).closest?.("a[data-link]");
  if (!a || (e as MouseEvent).ctrlKey || (e as MouseEvent).metaKey || (e as MouseEvent).shiftKey || (e as MouseEvent).button !== 0) return;
  e.preventDefault();
  navigate(a.getAttribute("href")!);
});
window.addEventListener("popstate", () => render(true));
api.onSignedOut = () => {
  if (app) {
    signedOut();
    toast({ title: "Signed out", body: "Your session ended. Sign in again.", timeoutMs: 8000 });
  }
};

async function boot(): Promise<void> {
  if (api.hasSession && (await api.refresh())) {
    try {
      return await signedIn(await api.me(), false);
    } catch {
      // Fall through to the sign-in page.
    }
  }
  render();
}
void boot();

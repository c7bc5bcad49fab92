import { App, View, zoneOf } from "../app";
import { h, replace, select } from "../dom";
import { lateExplanation } from "../late";
import { formatInstant } from "../time";
import { failure, info } from "../toasts";
import type { Invitation, Notification } from "../types";

export const SNOOZES: Record<string, string> = { "10": "10 minutes", "60": "1 hour", "240": "4 hours", "1440": "1 day" };

/** Marks a notification read and keeps the unread count in step. */
export async function markRead(app: App, n: Notification): Promise<void> {
  await app.api.markRead(n.id);
  if (!n.readAt) app.unread.set(Math.max(0, app.unread.value - 1));
  n.readAt = new Date().toISOString();
}

/** Snoozes a reminder: it fires again after `minutes`, the task keeps its due date. */
export async function snooze(app: App, n: Notification, minutes: number): Promise<void> {
  const { snoozedUntil } = await app.api.snooze(n.id, minutes);
  info(`Snoozed “${n.title}”`, `Until ${formatInstant(snoozedUntil, zoneOf(app))}`);
}

/** The notification inbox: newest first, unread only or all, mark read and snooze. */
export const inboxView: View = (app, main) => {
  const list = h("ul", { class: "inbox", "aria-label": "Notifications" });
  const status = h("p", { class: "list-status", role: "status" });
  const unreadOnly = h("input", { type: "checkbox", name: "unread" });
  const more = h("button", { type: "button", hidden: true, onclick: () => void load(false) }, "Load more");
  let cursor: string | null = null;
  let generation = 0;

  async function load(first: boolean): Promise<void> {
    const mine = first ? ++generation : generation;
    try {
      const page = await app.api.listNotifications({ unread: unreadOnly.checked || undefined, limit: 30, cursor: first ? undefined : (cursor ?? undefined) });
      if (mine !== generation) return;
      if (first) list.replaceChildren();
      list.append(...page.items.map(item));
      cursor = page.nextCursor;
      more.hidden = !cursor;
      status.textContent = list.children.length ? "" : unreadOnly.checked ? "Nothing unread." : "No notifications yet.";
    } catch (err) {
      status.textContent = `Cannot load notifications: ${(err as Error).message}`;
    }
  }

  function item(n: Notification): HTMLLIElement {
    const zone = zoneOf(app);
    const minutes = select("snooze", SNOOZES, "10");
    minutes.setAttribute("aria-label", `Snooze “${n.title}” for`);
    const read = h("button", {
      type: "button",
      hidden: Boolean(n.readAt),
      "aria-label": `Mark “${n.title}” read`,
      onclick: async () => {
        try {
          await markRead(app, n);
          li.classList.remove("unread");
          read.hidden = true;
          if (unreadOnly.checked) li.remove();
        } catch (err) {
          failure("Could not mark it read", err);
        }
      },
    }, "Mark read");
    const snoozeButton = h("button", {
      type: "button",
      onclick: () => snooze(app, n, Number(minutes.value)).catch((err) => failure("Could not snooze", err)),
    }, "Snooze");
    const li = h(
      "li",
      { class: `notification${n.readAt ? "" : " unread"}`, "data-id": n.id },
      h(
        "div",
        { class: "task-body" },
        h("strong", null, n.title),
        h(
          "div",
          { class: "task-meta" },
          n.fireAt
            ? h("span", null, "Reminded ", h("time", { datetime: n.fireAt }, formatInstant(n.fireAt, zone)))
            : h("span", null, "Invited ", h("time", { datetime: n.createdAt }, formatInstant(n.createdAt, zone))),
          n.dueAt ? h("span", null, "Due ", h("time", { datetime: n.dueAt }, formatInstant(n.dueAt, zone))) : null,
          n.readAt ? null : h("span", { class: "badge" }, "Unread"),
          n.late ? h("span", { class: "badge late", title: lateExplanation(n) }, "Late") : null,
        ),
      ),
      // An invitation is answered on the projects page; only a reminder can be snoozed.
      h("div", { class: "item-actions" }, read, ...(n.kind === "reminder" ? [minutes, snoozeButton] : [])),
    );
    return li;
  }

  unreadOnly.addEventListener("change", () => void load(true));
  const stop = app.notifications.watch((n) => {
    if (n && !list.querySelector(`[data-id="${n.id}"]`)) {
      list.prepend(item(n));
      status.textContent = "";
    }
  });
  replace(
    main,
    h("h1", { tabindex: "-1" }, "Inbox"),
    invitationList(app),
    h("label", { class: "check-label" }, unreadOnly, " Unread only"),
    status,
    list,
    more,
  );
  void load(true);
  return stop;
};

/** Pending invitations to projects, each answered in place; the section stays hidden while there are none. */
function invitationList(app: App): HTMLElement {
  const list = h("ul", { class: "inbox invitations", "aria-label": "Invitations" });
  const section = h("section", { hidden: true }, h("h2", null, "Invitations"), list);
  const answer = (invitation: Invitation, li: HTMLElement, accept: boolean) => async () => {
    try {
      if (accept) await app.api.acceptInvitation(invitation.id);
      else await app.api.declineInvitation(invitation.id);
      info(accept ? `You joined “${invitation.projectName}”` : "Invitation declined");
      li.remove();
      section.hidden = list.children.length === 0;
    } catch (err) {
      failure(accept ? "Could not accept" : "Could not decline", err);
    }
  };
  const item = (invitation: Invitation) => {
    const li = h("li", { class: "notification", "data-id": invitation.id });
    li.append(
      h("div", { class: "task-body" }, h("strong", null, invitation.projectName), h("div", { class: "task-meta" }, `${invitation.invitedBy.name || "Someone"} invites you as ${invitation.role}`)),
      h(
        "div",
        { class: "item-actions" },
        h("button", { type: "button", onclick: answer(invitation, li, true) }, "Accept"),
        h("button", { type: "button", onclick: answer(invitation, li, false) }, "Decline"),
      ),
    );
    return li;
  };
  app.api
    .listInvitations()
    .then(({ items }) => {
      list.replaceChildren(...items.map(item));
      section.hidden = items.length === 0;
    })
    .catch((err) => failure("Cannot load invitations", err));
  return section;
}

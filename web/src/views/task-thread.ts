import { App, zoneOf } from "../app";
import { field, h, replace } from "../dom";
import { actionLabel, changeLines } from "../thread";
import { formatInstant } from "../time";
import { failure, info } from "../toasts";
import type { Comment, HistoryItem, Page, Task } from "../types";
import { choose } from "./choice";

/** A task's comments and history, as two tabs under the editor's form. */
export function taskThread(app: App, task: Task): HTMLElement {
  const panels = { Comments: commentThread(app, task), History: historyList(app, task) };
  const tabs = Object.entries(panels).map(([name, panel], i) => {
    panel.element.id = `thread-${name.toLowerCase()}`;
    panel.element.setAttribute("role", "tabpanel");
    panel.element.hidden = i > 0;
    const tab = h("button", { type: "button", role: "tab", "aria-controls": panel.element.id, "aria-selected": String(i === 0), onclick: () => select(name) }, name);
    return { name, tab, panel };
  });
  function select(name: string): void {
    for (const t of tabs) {
      const on = t.name === name;
      t.tab.setAttribute("aria-selected", String(on));
      t.panel.element.hidden = !on;
      if (on) t.panel.show();
    }
  }
  tabs[0].panel.show();
  return h("section", { class: "thread" }, h("div", { role: "tablist", "aria-label": "Comments and history" }, ...tabs.map((t) => t.tab)), ...tabs.map((t) => t.panel.element));
}

interface Panel {
  element: HTMLElement;
  /** Called each time the tab is selected: loads (again) what is there now. */
  show(): void;
}

/** A list read in cursor pages, with "Show more" while there are more. */
function pagedList<T>(label: string, load: (cursor: string | null) => Promise<Page<T>>, item: (value: T) => HTMLElement) {
  const list = h("ul", { class: "thread-list", "aria-label": label });
  const status = h("p", { class: "hint", role: "status" });
  let cursor: string | null = null;
  let generation = 0;
  const more = h("button", { type: "button", hidden: true, onclick: () => void next(false) }, "Show more");
  async function next(first: boolean): Promise<void> {
    const mine = first ? ++generation : generation;
    more.disabled = true;
    try {
      const page = await load(first ? null : cursor);
      if (mine !== generation) return;
      if (first) list.replaceChildren();
      list.append(...page.items.map(item));
      cursor = page.nextCursor;
      more.hidden = !cursor;
      status.textContent = list.children.length ? "" : `No ${label.toLowerCase()} yet.`;
    } catch (err) {
      if (mine === generation) status.textContent = `Cannot load ${label.toLowerCase()}: ${(err as Error).message}`;
    } finally {
      more.disabled = false;
    }
  }
  return { list, status, more, reload: () => void next(true), atEnd: () => cursor === null };
}

function commentThread(app: App, task: Task): Panel {
  const zone = zoneOf(app);
  const thread = pagedList("Comments", (cursor) => app.api.comments(task.id, cursor), (c) => comment(c));

  function comment(c: Comment): HTMLLIElement {
    const text = h("p", { class: "comment-text" }, c.text);
    const mine = c.authorId === app.me.value.id;
    const edited = c.updatedAt !== c.createdAt ? h("span", { class: "hint" }, " (edited)") : null;
    const li: HTMLLIElement = h(
      "li",
      { class: "comment", "data-id": c.id },
      h("div", { class: "comment-head" }, h("strong", null, mine ? "You" : c.authorName || "A member"), " · ", h("time", { datetime: c.createdAt }, formatInstant(c.createdAt, zone)), edited),
      text,
      mine
        ? h(
            "div",
            { class: "comment-actions" },
            h("button", { type: "button", class: "link", onclick: () => editing(c, li) }, "Edit"),
            h("button", { type: "button", class: "link danger", onclick: () => void remove(c, li) }, "Delete"),
          )
        : null,
    );
    return li;
  }

  function editing(c: Comment, li: HTMLLIElement): void {
    const box = h("textarea", { name: "comment-edit", rows: "3", maxlength: "10000", "aria-label": "Edit comment" });
    box.value = c.text;
    const save = h("button", { type: "button", class: "primary" }, "Save comment");
    save.addEventListener("click", async () => {
      if (!box.value.trim()) return box.focus();
      save.disabled = true;
      try {
        li.replaceWith(comment(await app.api.editComment(c, box.value)));
      } catch (err) {
        failure("Could not save the comment", err);
        save.disabled = false;
      }
    });
    replace(li, box, h("div", { class: "comment-actions" }, save, h("button", { type: "button", onclick: () => li.replaceWith(comment(c)) }, "Cancel")));
    box.focus();
  }

  async function remove(c: Comment, li: HTMLLIElement): Promise<void> {
    const ok = await choose("Delete this comment?", c.text.length > 120 ? `${c.text.slice(0, 119)}…` : c.text, [{ value: "yes", label: "Delete comment", danger: true }]);
    if (!ok) return;
    try {
      await app.api.deleteComment(c.id);
      li.remove();
    } catch (err) {
      failure("Could not delete the comment", err);
    }
  }

  const text = h("textarea", { name: "comment", rows: "2", maxlength: "10000", placeholder: "Write a comment" });
  const add = h("button", { type: "submit", class: "primary" }, "Add comment");
  /** A retry of the same text (after a network error) reuses its key, so it is posted once. */
  let attempt: { text: string; key: string } | undefined;
  const form = h("form", { class: "comment-form" }, field("Comment", text, "Mention a member with @name or @email: they are notified."), h("div", { class: "actions" }, add));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = text.value.trim();
    if (!body) return text.focus();
    if (attempt?.text !== body) attempt = { text: body, key: crypto.randomUUID() };
    add.disabled = true;
    try {
      const c = await app.api.addComment(task.id, body, attempt.key);
      text.value = "";
      attempt = undefined;
      // Oldest first: a new comment belongs at the end, which is only on the page once every page is.
      if (thread.atEnd()) thread.list.append(comment(c));
      thread.status.textContent = "";
      if (c.mentions.length) info("Comment added", `${c.mentions.length} member${c.mentions.length > 1 ? "s" : ""} notified`);
    } catch (err) {
      failure("Could not add the comment", err);
    } finally {
      add.disabled = false;
    }
  });
  // Enter in a textarea is a new line; Ctrl/Cmd+Enter sends.
  text.addEventListener("keydown", (e) => {
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) form.requestSubmit();
  });
  let loaded = false;
  return {
    element: h("div", null, thread.list, thread.status, thread.more, form),
    show: () => {
      if (!loaded) thread.reload();
      loaded = true;
    },
  };
}

function historyList(app: App, task: Task): Panel {
  const zone = zoneOf(app);
  const who = (actorId: string | null) => (actorId === null ? "Todogenie" : actorId === app.me.value.id ? "You" : "A member");
  const entry = (item: HistoryItem) => {
    const lines = changeLines(item, zone);
    return h(
      "li",
      { class: "history-entry" },
      h("div", null, h("strong", null, who(item.actorId)), ` ${actionLabel(item.action)} · `, h("time", { datetime: item.at }, formatInstant(item.at, zone))),
      lines.length ? h("ul", { class: "history-changes" }, ...lines.map((l) => h("li", null, l))) : null,
    );
  };
  const history = pagedList("History", (cursor) => app.api.history(task.id, cursor), entry);
  return { element: h("div", null, history.list, history.status, history.more), show: history.reload };
}

import type { App } from "../app";
import { debounce, h, replace, uid } from "../dom";
import type { Task } from "../types";

export interface BlockerPicker {
  element: HTMLElement;
  /** The chosen blockers' ids, in the order they were added. */
  read(): string[];
}

/** How many matching tasks the search offers. */
const SUGGESTIONS = 8;

/**
 * "Blocked by": the tasks this one waits for, each with a Remove button, and a search box
 * that offers the caller's tasks (any of their projects) to add. The server refuses a cycle
 * with 422, shown by the editor like any other problem.
 */
export function blockerPicker(app: App, task: Task | null): BlockerPicker {
  const chosen = new Map<string, string>();
  const list = h("ul", { class: "blockers", "aria-label": "Blocked by" });
  const inputId = uid("blocker");
  const input = h("input", {
    id: inputId,
    type: "search",
    "aria-label": "Search a task to wait for",
    name: "blockerSearch",
    autocomplete: "off",
    placeholder: "Search a task to wait for",
    "aria-describedby": `${inputId}-hint`,
  });
  const offers = h("ul", { class: "blocker-offers", "aria-label": "Tasks to wait for", hidden: true });
  const status = h("small", { id: `${inputId}-hint`, class: "hint", "aria-live": "polite" }, "This task is blocked until all of these are done.");

  const render = () => {
    replace(
      list,
      [...chosen].map(([id, title]) =>
        h(
          "li",
          { class: "blocker", "data-id": id },
          h("span", null, title),
          h("button", { type: "button", class: "link", "aria-label": `Remove “${title}” from Blocked by`, onclick: () => (chosen.delete(id), render()) }, "Remove"),
        ),
      ),
    );
  };

  for (const id of task?.blockedBy ?? []) chosen.set(id, "…");
  render();
  // Titles of the current blockers: one the caller can no longer see keeps its place, unnamed.
  for (const id of task?.blockedBy ?? []) {
    app.api.getTask(id).then(
      (b) => chosen.has(id) && (chosen.set(id, b.title), render()),
      () => chosen.has(id) && (chosen.set(id, "A task you cannot see"), render()),
    );
  }

  let asked = 0;
  const search = debounce(async () => {
    const q = input.value.trim();
    const mine = ++asked;
    if (!/[\p{L}\p{N}]/u.test(q)) return ((offers.hidden = true), replace(offers));
    try {
      const page = await app.api.listTasks(new URLSearchParams({ q, limit: String(SUGGESTIONS + 1) }));
      if (mine !== asked) return;
      const candidates = page.items.filter((t) => t.id !== task?.id && !chosen.has(t.id)).slice(0, SUGGESTIONS);
      offers.hidden = false;
      replace(
        offers,
        candidates.length
          ? candidates.map((t) =>
              h(
                "li",
                null,
                h("button", {
                  type: "button",
                  class: "link blocker-offer",
                  onclick: () => {
                    chosen.set(t.id, t.title);
                    input.value = "";
                    offers.hidden = true;
                    replace(offers);
                    render();
                    input.focus();
                  },
                }, `Wait for “${t.title}”`),
              ),
            )
          : h("li", { class: "hint" }, "No task matches."),
      );
    } catch {
      if (mine === asked) status.textContent = "Search is not available right now.";
    }
  }, 200);
  input.addEventListener("input", search);

  const element = h(
    "fieldset",
    { class: "blocker-picker" },
    h("legend", null, "Blocked by"),
    list,
    input,
    status,
    offers,
  );
  return { element, read: () => [...chosen.keys()] };
}

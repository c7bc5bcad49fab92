import { ApiError } from "../api";
import { View, zoneOf } from "../app";
import { debounce, field, h, replace, select } from "../dom";
import { keysOf, PRIORITY_LABELS, STATUS_LABELS } from "../labels";
import { defaultListState, DueFilter, ListState, SORTS, taskQuery } from "../list-query";
import { summary } from "../recurrence";
import { formatInstant } from "../time";
import { failure, info } from "../toasts";
import { countLabel, highlightParts } from "../highlight";
import type { Highlighted, Page, Task } from "../types";
import { openChildren, progressLabel } from "../thread";
import { includeChildren } from "./choice";
import { quickAddBox } from "./quick-add";
import { openEditor } from "./task-editor";

const PAGE_SIZE = 30;
/** The counts the filters show, asked with each list's first page. */
const FACETS = "status,priority,tag";
const DUE_FILTERS: Record<DueFilter, string> = { any: "Any time", overdue: "Overdue", today: "Today", week: "Next 7 days", range: "Between…" };

/** Kept while the user moves between pages, so coming back shows the same list. */
let state: ListState = defaultListState();
export const resetTaskList = () => (state = defaultListState());

/** The task list: search as you type, filters, sort, and pages loaded as the end of the list scrolls into view. */
export const tasksView: View = (app, main) => {
  const list = h("ul", { id: "task-list", class: "task-list", "aria-label": "Tasks" });
  const status = h("p", { class: "list-status", role: "status" });
  const more = h("button", { type: "button", hidden: true, onclick: () => void load(false) }, "Load more");
  const sentinel = h("div", { class: "sentinel", "aria-hidden": "true" });
  let cursor: string | null = null;
  /** "Today" and "next 7 days" of this list: its later pages ask the same query. */
  let asOf = new Date();
  let shown = 0;
  let loading = false;
  let generation = 0;
  let controller: AbortController | undefined;

  async function load(first: boolean): Promise<void> {
    if (!first && (loading || !cursor)) return;
    if (first) {
      generation++;
      controller?.abort();
      cursor = null;
      shown = 0;
      asOf = new Date();
    }
    const mine = generation;
    controller = new AbortController();
    loading = true;
    list.setAttribute("aria-busy", "true");
    try {
      const query = taskQuery(state, zoneOf(app), asOf, PAGE_SIZE, cursor);
      if (first) query.set("facets", FACETS);
      const page = await app.api.listTasks(query, controller.signal);
      if (mine !== generation) return;
      if (first) list.replaceChildren();
      if (first) showCounts(page.facets);
      list.append(...page.items.map((t) => row(t)));
      shown += page.items.length;
      cursor = page.nextCursor;
      more.hidden = !cursor;
      status.textContent = describe();
    } catch (err) {
      if ((err as Error).name === "AbortError" || mine !== generation) return;
      if (first) list.replaceChildren();
      status.textContent = `Cannot list tasks: ${err instanceof ApiError ? err.detail || err.title : String(err)}`;
    } finally {
      if (mine === generation) {
        loading = false;
        list.removeAttribute("aria-busy");
        // The observer only reports changes: look again in case the end is still in view.
        observer.unobserve(sentinel);
        observer.observe(sentinel);
      }
    }
  }
  const reload = () => void load(true);
  const { panel: filterPanel, showCounts } = filters(reload);

  function describe(): string {
    const count = `${shown}${cursor ? "+" : ""} task${shown === 1 && !cursor ? "" : "s"}`;
    if (shown) return state.q.trim() ? `${count} matching “${state.q.trim()}”` : count;
    return state.q.trim() ? `No task matches “${state.q.trim()}”` : "No tasks here. Create one with “New task”.";
  }

  const observer = new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting)) void load(false);
  }, { rootMargin: "300px" });

  function row(task: Task & Highlighted): HTMLLIElement {
    const zone = zoneOf(app);
    const overdue = task.status !== "done" && task.dueAt !== null && Date.parse(task.dueAt) < Date.now();
    const done = task.status === "done";
    const toggle = h("button", {
      type: "button",
      class: `check${done ? " checked" : ""}`,
      "aria-label": done ? `Reopen “${task.title}”` : `Complete “${task.title}”`,
      onclick: () => void (done ? reopen(task) : complete(task)),
    }, done ? "✓" : "");
    const meta = h(
      "div",
      { class: "task-meta" },
      task.dueAt ? h("span", { class: "due" }, "Due ", h("time", { datetime: task.dueAt }, formatInstant(task.dueAt, zone))) : null,
      overdue ? h("span", { class: "badge danger" }, "Overdue") : null,
      task.status === "in_progress" ? h("span", { class: "badge" }, STATUS_LABELS.in_progress) : null,
      task.blocked ? h("span", { class: "badge danger blocked", title: "Waiting for another task to be done" }, "Blocked") : null,
      task.priority !== "none" ? h("span", { class: `badge priority-${task.priority}` }, `${PRIORITY_LABELS[task.priority]} priority`) : null,
      task.recurrence ? h("span", { class: "repeat" }, h("span", { "aria-hidden": "true" }, "↻ "), task.recurrence.text ?? summary(task.recurrence.rrule, task.recurrence.from)) : null,
      task.reminders.length ? h("span", { class: "reminders" }, `${task.reminders.length} reminder${task.reminders.length > 1 ? "s" : ""}`) : null,
      ...task.tags.map((t) => h("span", { class: "tag" }, `#${t}`)),
    );
    const progress = progressLabel(task.progress);
    const children = h("ul", { class: "task-list subtasks", hidden: true, "aria-label": `Subtasks of “${task.title}”` });
    const expand = progress
      ? h("button", { type: "button", class: "link progress", "aria-expanded": "false", "aria-label": `Subtasks of “${task.title}”: ${progress} done`, onclick: () => void toggleChildren(task, expand!, children) }, `▸ ${progress}`)
      : null;
    if (expand) meta.prepend(expand);
    return h(
      "li",
      { class: `task${done ? " done" : ""}${overdue ? " overdue" : ""}`, "data-id": task.id },
      toggle,
      h(
        "div",
        { class: "task-body" },
        h("button", { type: "button", class: "link task-title", onclick: () => edit(task) }, ...bold(task.title, task.highlights?.title)),
        task.highlights?.description ? h("p", { class: "task-snippet" }, ...bold(task.description, task.highlights.description)) : null,
        ...(task.highlights?.comments ?? []).slice(0, 1).map((c) => h("p", { class: "task-snippet comment-snippet", title: "In a comment" }, "💬 ", ...bold(c.text, c.ranges))),
        meta,
        children,
      ),
    );
  }

  /** Shows a parent's children (every status, by position) under it, or hides them. */
  async function toggleChildren(task: Task, button: HTMLButtonElement, children: HTMLUListElement): Promise<void> {
    const open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", String(open));
    button.textContent = button.textContent!.replace(/^[▸▾]/, open ? "▾" : "▸");
    children.hidden = !open;
    if (!open) return;
    children.setAttribute("aria-busy", "true");
    try {
      const items: Task[] = [];
      let cursor: string | null = null;
      do {
        const page = await app.api.children(task.id, cursor);
        items.push(...page.items);
        cursor = page.nextCursor;
      } while (cursor && items.length < 500);
      children.replaceChildren(...items.map((t) => row(t)));
    } catch (err) {
      failure(`Could not list the subtasks of “${task.title}”`, err);
    } finally {
      children.removeAttribute("aria-busy");
    }
  }

  function replaceRow(task: Task): void {
    const old = list.querySelector(`li[data-id="${task.id}"]`);
    // A parent's expanded children show every status: a done one stays there, checked.
    const hidden = task.status === "done" && state.status.length > 0 && !state.status.includes("done") && old?.parentElement === list;
    if (old && hidden) {
      shown--;
      old.remove();
    }
    else old?.replaceWith(row(task));
    status.textContent = describe();
    if (old && task.parentId) void refreshProgress(task.parentId);
  }

  /** A subtask changed under an expanded parent: its "2/5" follows (the row stays open). */
  async function refreshProgress(parentId: string): Promise<void> {
    const button = list.querySelector<HTMLButtonElement>(`li[data-id="${parentId}"] > .task-body > .task-meta > .progress`);
    if (!button) return;
    const label = progressLabel((await app.api.getTask(parentId).catch(() => undefined))?.progress);
    if (!label) return;
    button.textContent = `${button.getAttribute("aria-expanded") === "true" ? "▾" : "▸"} ${label}`;
    button.setAttribute("aria-label", button.getAttribute("aria-label")!.replace(/: [^:]+ done$/, `: ${label} done`));
  }

  async function complete(task: Task): Promise<void> {
    const open = openChildren(task);
    if (open > 0 && !(await includeChildren("Complete", task.title, open))) return;
    try {
      const { task: next } = await app.api.completeTask(task.id, task.recurrence ? task.dueAt : undefined, open > 0 ? "complete" : undefined);
      replaceRow(next);
      if (next.status !== "done" && next.dueAt) info(`“${task.title}” done`, `Next: ${formatInstant(next.dueAt, zoneOf(app))}`);
      else info(`“${task.title}” done`);
    } catch (err) {
      failure(`Could not complete “${task.title}”`, err);
    }
  }

  async function reopen(task: Task): Promise<void> {
    try {
      replaceRow(await app.api.updateTask(task.id, { status: "todo" }, task.version));
    } catch (err) {
      failure(`Could not reopen “${task.title}”`, err);
    }
  }

  function edit(task: Task | null): void {
    openEditor(app, task, {
      // A new task, or a subtask added from the editor, may land anywhere (and changes its parent's progress).
      saved: (saved) => (task && saved.id === task.id ? replaceRow(saved) : reload()),
      deleted: (id) => {
        const gone = list.querySelector(`li[data-id="${id}"]`);
        if (gone?.parentElement === list) shown--;
        gone?.remove();
        status.textContent = describe();
      },
    });
  }

  const search = h("input", {
    type: "search",
    name: "q",
    value: state.q,
    autocomplete: "off",
    placeholder: "Search title, notes, tags",
    "aria-controls": "task-list",
    oninput: debounce(() => {
      state.q = search.value;
      reload();
    }, 250),
  });
  const onSlash = (e: KeyboardEvent) => {
    const typing = (e.target as HTMLElement).closest("input, textarea, select, [contenteditable], dialog");
    if (e.key === "/" && !typing && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      search.focus();
    }
  };
  document.addEventListener("keydown", onSlash);

  replace(
    main,
    h("div", { class: "page-head" }, h("h1", { tabindex: "-1" }, "Tasks"), h("button", { type: "button", class: "primary", onclick: () => edit(null) }, "New task")),
    quickAddBox(app, reload),
    h("div", { class: "toolbar" }, field("Search", search, "Typos are fine. Press / to search from anywhere.")),
    filterPanel,
    status,
    list,
    sentinel,
    more,
  );
  reload();
  return () => {
    observer.disconnect();
    controller?.abort();
    document.removeEventListener("keydown", onSlash);
  };
};

/** A search hit's text with its matched parts in bold (text nodes: the API's text is never parsed as HTML). */
const bold = (text: string, ranges: [number, number][] | undefined) =>
  highlightParts(text, ranges).map((p) => (p.hit ? h("strong", { class: "hit" }, p.text) : p.text));

/** The filter and sort controls; each change reloads the list. `showCounts` puts a list's facet counts beside them. */
function filters(changed: () => void): { panel: HTMLElement; showCounts: (facets: Page<Task>["facets"]) => void } {
  const count = h("span", { class: "count" });
  const facetSpans: { facet: "status" | "priority"; value: string; span: HTMLElement }[] = [];
  const topTags = h("small", { class: "hint facet-tags" });
  const counted = () => {
    const n = (state.status.join() === defaultListState().status.join() ? 0 : 1) + state.priority.length + state.tags.length + (state.due === "any" ? 0 : 1);
    count.textContent = n ? ` (${n} active)` : "";
  };
  const update = () => {
    counted();
    changed();
  };
  counted();
  const checks = <K extends string>(legend: string, name: "status" | "priority", labels: Record<K, string>, selected: K[], set: (v: K[]) => void) => {
    const boxes = keysOf(labels).map((k) => {
      const box = h("input", { type: "checkbox", name, value: k, checked: selected.includes(k) });
      box.addEventListener("change", () => {
        set(boxes.filter((b) => b.checked).map((b) => b.value as K));
        update();
      });
      return box;
    });
    const spans = boxes.map((b) => {
      const span = h("span", { class: "facet-count" });
      facetSpans.push({ facet: name, value: b.value, span });
      return span;
    });
    return h("fieldset", { class: "checks" }, h("legend", null, legend), ...boxes.map((b, i) => h("label", null, b, ` ${Object.values<string>(labels)[i]}`, spans[i])));
  };
  const tag = h("input", { name: "tag", value: state.tags.join(", "), placeholder: "work, home", autocomplete: "off" });
  tag.addEventListener("change", () => {
    state.tags = tag.value.split(",").map((t) => t.trim()).filter(Boolean);
    update();
  });
  const from = h("input", { type: "date", name: "dueFrom", value: state.dueFromDay ?? "" });
  const to = h("input", { type: "date", name: "dueTo", value: state.dueToDay ?? "" });
  const range = h("div", { class: "row", hidden: state.due !== "range" }, field("From", from), field("To", to));
  for (const input of [from, to]) {
    input.addEventListener("change", () => {
      state.dueFromDay = from.value || undefined;
      state.dueToDay = to.value || undefined;
      update();
    });
  }
  const due = select("due", DUE_FILTERS, state.due, (v) => {
    state.due = v as DueFilter;
    range.hidden = state.due !== "range";
    update();
  });
  const sort = select("sort", SORTS, state.sort, (v) => {
    state.sort = v;
    changed();
  });
  const panel = h(
    "details",
    { class: "filters" },
    h("summary", null, "Filters and sort", count),
    h(
      "div",
      { class: "filter-grid" },
      checks("Status", "status", STATUS_LABELS, state.status, (v) => (state.status = v)),
      checks("Priority", "priority", PRIORITY_LABELS, state.priority, (v) => (state.priority = v)),
      h("div", null, field("Tags", tag, "Comma-separated; any of them"), topTags, field("Due", due), range),
      h("div", null, field("Sort by", sort)),
    ),
  );
  const showCounts = (facets: Page<Task>["facets"]) => {
    for (const { facet, value, span } of facetSpans) span.textContent = countLabel(facets?.[facet], value);
    const tags = Object.entries(facets?.tag ?? {}).slice(0, 5);
    topTags.textContent = tags.length ? `Most used here: ${tags.map(([t, n]) => `${t} (${n})`).join(", ")}` : "";
  };
  return { panel, showCounts };
}

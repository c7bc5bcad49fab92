/**
 * The quick-add box: type "Pay rent every 1st at 9am #home !high", see what the server
 * reads while typing (the words it used highlighted, the fields, the next occurrences
 * from the same recurrence code the server runs), press Enter to create the task.
 */
import { ApiError } from "../api";
import { App, zoneOf } from "../app";
import { debounce, h, replace } from "../dom";
import { PRIORITY_LABELS } from "../labels";
import { preview } from "../recurrence";
import { formatInstant, formatWithWeekday } from "../time";
import { failure, info } from "../toasts";
import type { QuickAddDto } from "../../../libs/contracts/quick-add";
import type { Task } from "../types";

const FIELD_LABELS: Record<string, string> = {
  dueAt: "due",
  recurrence: "repeats",
  tags: "tag",
  priority: "priority",
  projectId: "project",
  assigneeId: "assignee",
  reminders: "reminder",
};

/** The text with each span the parse used marked, for the preview line. */
export function highlighted(text: string, spans: QuickAddDto["spans"]): (Node | string)[] {
  const out: (Node | string)[] = [];
  let at = 0;
  for (const s of [...spans].sort((a, b) => a.start - b.start)) {
    if (s.start < at || s.end > text.length) continue;
    out.push(text.slice(at, s.start), h("mark", { class: `qa-${s.field}`, title: FIELD_LABELS[s.field] ?? s.field }, text.slice(s.start, s.end)));
    at = s.end;
  }
  out.push(text.slice(at));
  return out;
}

function fieldsOf(text: string, parse: QuickAddDto, zone: string): HTMLElement {
  const f = parse.fields;
  const said = (field: string) => parse.spans.filter((s) => s.field === field).map((s) => text.slice(s.start, s.end)).join(" ");
  const next = f.recurrence && f.dueAt ? preview(f.recurrence.rrule, f.recurrence.timezone, new Date(f.dueAt), f.recurrence.from === "completion", 4) : [];
  return h(
    "dl",
    { class: "qa-fields" },
    h("dt", null, "Title"), h("dd", null, f.title || h("em", null, "(none: add some words)")),
    f.dueAt ? [h("dt", null, "Due"), h("dd", null, h("time", { datetime: f.dueAt }, formatInstant(f.dueAt, zone)))] : null,
    f.recurrence ? [h("dt", null, "Repeats"), h("dd", null, f.recurrence.text)] : null,
    next.length > 1 ? [h("dt", null, "Next"), h("dd", null, h("ol", { class: "qa-next" }, ...next.map((d) => h("li", null, formatWithWeekday(d, zone)))))] : null,
    f.priority ? [h("dt", null, "Priority"), h("dd", null, PRIORITY_LABELS[f.priority])] : null,
    f.tags?.length ? [h("dt", null, "Tags"), h("dd", null, f.tags.map((t) => `#${t}`).join(" "))] : null,
    f.projectId ? [h("dt", null, "Project"), h("dd", null, said("projectId"))] : null,
    f.assigneeId ? [h("dt", null, "Assignee"), h("dd", null, said("assigneeId"))] : null,
    f.reminders?.length ? [h("dt", null, "Reminders"), h("dd", null, f.reminders.map((r) => (r.offset ? `${r.offset} before due` : formatInstant(r.at!, zone))).join(", "))] : null,
  );
}

/** A form that previews the parse as the user types and creates the task on submit. */
export function quickAddBox(app: App, created: (task: Task) => void): HTMLElement {
  const input = h("input", {
    type: "text",
    name: "quickAdd",
    maxlength: "1000",
    autocomplete: "off",
    placeholder: "Pay rent every 1st at 9am #home !high",
    "aria-describedby": "qa-preview",
  });
  const line = h("p", { class: "qa-line", "aria-hidden": "true" });
  const details = h("div", { id: "qa-preview", class: "qa-preview", role: "status", "aria-live": "polite" });
  let controller: AbortController | undefined;
  let asked = 0;

  const show = async () => {
    const text = input.value;
    const mine = ++asked;
    controller?.abort();
    if (!text.trim()) {
      line.replaceChildren();
      details.replaceChildren();
      return;
    }
    controller = new AbortController();
    try {
      const parse = await app.api.parseTask(text, controller.signal);
      if (mine !== asked) return;
      line.replaceChildren(...highlighted(text, parse.spans));
      replace(details, fieldsOf(text, parse, zoneOf(app)), parse.ambiguities.length ? h("ul", { class: "qa-ambiguities" }, ...parse.ambiguities.map((a) => h("li", null, a))) : null);
    } catch (err) {
      if ((err as Error).name === "AbortError" || mine !== asked) return;
      details.replaceChildren(h("p", { class: "error" }, err instanceof ApiError ? err.detail || err.title : String(err)));
    }
  };
  input.addEventListener("input", debounce(() => void show(), 200));

  const form = h("form", {
    class: "quick-add",
    onsubmit: async (e: Event) => {
      e.preventDefault();
      if (!input.value.trim()) return;
      try {
        const task = await app.api.quickAdd(input.value, crypto.randomUUID());
        info(`“${task.title}” added`, task.dueAt ? `Due ${formatInstant(task.dueAt, zoneOf(app))}` : undefined);
        input.value = "";
        void show();
        created(task);
      } catch (err) {
        failure("Could not add the task", err);
      }
    },
  }, h("label", { for: "quick-add-input" }, "Quick add"), h("div", { class: "qa-row" }, input, h("button", { type: "submit", class: "primary" }, "Add")), line, details);
  input.id = "quick-add-input";
  return form;
}

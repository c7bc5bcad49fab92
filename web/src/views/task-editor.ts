import { ApiError } from "../api";
import { App, zoneOf } from "../app";
import { field, h, select } from "../dom";
import { PRIORITY_LABELS, STATUS_LABELS } from "../labels";
import { fromLocalInput, toLocalInput } from "../time";
import { info } from "../toasts";
import { changes } from "../task-changes";
import type { Task, TaskInput } from "../types";
import { clearProblem, problemBox, showProblem } from "./form-errors";
import { blockerPicker } from "./blocker-picker";
import { recurrencePicker } from "./recurrence-picker";
import { reminderList } from "./reminder-list";
import { includeChildren } from "./choice";
import { taskThread } from "./task-thread";

export interface EditorEvents {
  saved(task: Task): void;
  deleted(id: string): void;
}

/**
 * Creates (`task` null; a subtask of `parent` when given) or edits a task in a modal dialog:
 * Escape or Cancel closes it, focus returns where it was.
 */
export function openEditor(app: App, task: Task | null, on: EditorEvents, parent?: Task): void {
  const zone = zoneOf(app);
  const opener = document.activeElement as HTMLElement | null;
  const title = h("input", { name: "title", required: true, maxlength: "500", value: task?.title ?? "", autocomplete: "off" });
  const description = h("textarea", { name: "description", rows: "3", maxlength: "20000" });
  description.value = task?.description ?? "";
  const dueAt = h("input", { type: "datetime-local", name: "dueAt", value: task?.dueAt ? toLocalInput(task.dueAt, zone) : "" });
  const priority = select("priority", PRIORITY_LABELS, task?.priority ?? "none");
  const status = select("status", STATUS_LABELS, task?.status ?? "todo");
  const tags = h("input", { name: "tags", value: task?.tags.join(", ") ?? "", autocomplete: "off", placeholder: "home, errands" });
  const due = () => fromLocalInput(dueAt.value, zone);
  const picker = recurrencePicker(task?.recurrence?.rrule ?? null, task?.recurrence?.from ?? "due", {
    zone: task?.recurrence?.timezone ?? zone,
    due,
    stored:
      task?.recurrence && task.dueAt
        ? { ...task.recurrence, dueAt: task.dueAt, occurrences: async () => (await app.api.occurrences(task.id, 5)).items }
        : undefined,
  });
  const reminders = reminderList(task?.reminders ?? [], { zone, due });
  const blockers = blockerPicker(app, task);
  dueAt.addEventListener("input", () => {
    picker.refresh();
    reminders.refresh();
  });

  const errors = problemBox("editor-problem");
  const save = h("button", { type: "submit", class: "primary" }, task ? "Save" : "Create task");
  const cancel = h("button", { type: "button", onclick: () => dialog.close() }, "Cancel");
  const remove = task ? h("button", { type: "button", class: "danger", onclick: () => void destroy() }, "Delete") : null;
  const heading = h("h2", { id: "editor-title" }, task ? "Edit task" : parent ? "New subtask" : "New task");
  const parentLine = h("p", { class: "hint parent-line" });
  if (parent) parentLine.textContent = `Subtask of “${parent.title}”`;
  else if (task?.parentId) {
    app.api.getTask(task.parentId).then(
      (p) => (parentLine.textContent = `Subtask of “${p.title}”`),
      () => (parentLine.textContent = "Subtask of a task you cannot see"),
    );
  }
  const addSubtask = task
    ? h("button", {
        type: "button",
        // Opened once this dialog is gone, so focus comes back to the list when the subtask's closes.
        onclick: () => {
          dialog.addEventListener("close", () => openEditor(app, null, on, task), { once: true });
          dialog.close();
        },
      }, "Add subtask")
    : null;
  const form = h(
    "form",
    { method: "dialog", class: "editor" },
    heading,
    parentLine,
    errors,
    field("Title", title),
    field("Notes", description),
    h("div", { class: "row" }, field("Due", dueAt, `Your time zone: ${zone}`), field("Priority", priority), task ? field("Status", status) : null),
    field("Tags", tags, "Comma-separated"),
    picker.element,
    reminders.element,
    blockers.element,
    h("div", { class: "actions" }, save, cancel, addSubtask, remove),
  );
  const dialog = h("dialog", { class: "editor-dialog", "aria-labelledby": "editor-title" }, form, task ? taskThread(app, task) : null);

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearProblem(form, errors);
    const input = collect();
    if ("error" in input) return showProblem(form, errors, new Error(input.error));
    const patch = task ? changes(input, task) : undefined;
    if (patch && Object.keys(patch).length === 0) return dialog.close();
    save.disabled = true;
    try {
      const saved = task && patch ? await app.api.updateTask(task.id, patch, task.version) : await app.api.createTask(input, keyFor(input));
      dialog.close();
      info(task ? "Task saved" : "Task created", saved.title);
      on.saved(saved);
    } catch (err) {
      const stale = err instanceof ApiError && err.status === 412;
      showProblem(form, errors, stale ? new Error("Someone changed this task meanwhile. Close and open it again to see their change.") : err);
    } finally {
      save.disabled = false;
    }
  });

  function collect(): TaskInput | { error: string } {
    if (dueAt.value && !due()) return { error: "The due date is not a valid date and time." };
    const repeat = picker.read();
    if (repeat.error) return { error: `Repeat: ${repeat.error}` };
    if (repeat.rrule && !due()) return { error: "A repeating task needs a due date: it is the first occurrence." };
    const list = reminders.read();
    if ("error" in list) return list;
    return {
      title: title.value.trim(),
      description: description.value,
      priority: priority.value as TaskInput["priority"],
      ...(task ? { status: status.value as TaskInput["status"] } : {}),
      dueAt: due()?.toISOString() ?? null,
      tags: tags.value.split(",").map((t) => t.trim()).filter(Boolean),
      recurrence: repeat.rrule
        ? { rrule: repeat.rrule, from: repeat.from, ...(task?.recurrence ? { timezone: task.recurrence.timezone } : {}) }
        : null,
      reminders: list.items,
      blockedBy: blockers.read(),
      ...(parent ? { parentId: parent.id } : {}),
    };
  }

  /** A retry of the same new task (after a network error) reuses its key, so it is created once. */
  let attempt: { body: string; key: string } | undefined;
  function keyFor(input: TaskInput): string {
    const body = JSON.stringify(input);
    if (attempt?.body !== body) attempt = { body, key: crypto.randomUUID() };
    return attempt.key;
  }

  async function destroy(): Promise<void> {
    if (!task) return;
    const children = task.progress?.total ?? 0;
    if (children > 0 ? !(await includeChildren("Delete", task.title, children)) : !confirm(`Delete “${task.title}”? Its reminders will not fire.`)) return;
    try {
      await app.api.deleteTask(task.id, task.version, children > 0);
      dialog.close();
      info("Task deleted", task.title);
      on.deleted(task.id);
    } catch (err) {
      showProblem(form, errors, err);
    }
  }

  dialog.addEventListener("close", () => {
    dialog.remove();
    opener?.focus();
  });
  document.body.append(dialog);
  dialog.showModal();
  title.focus();
}

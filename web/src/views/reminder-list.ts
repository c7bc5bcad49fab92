import { field, h, select } from "../dom";
import { CHANNEL_LABELS, keysOf } from "../labels";
import { fireTime, inputFor, newReminder, ReminderRow, rowFor, UNITS } from "../reminders";
import { formatWithWeekday, toLocalInput } from "../time";
import type { Reminder, ReminderInput } from "../types";

const KINDS: Record<ReminderRow["kind"], string> = { before: "Before it is due", at: "At a date and time", offset: "ISO 8601 offset" };

export interface ReminderList {
  element: HTMLFieldSetElement;
  read(): { items: ReminderInput[] } | { error: string };
  /** Call when the due date changes. */
  refresh(): void;
}

/** The task's reminders: each before the due time, at a given time, or an ISO offset; with when it will fire. */
export function reminderList(reminders: Reminder[], ctx: { zone: string; due: () => Date | null }): ReminderList {
  const items = h("div", { class: "reminder-items" });
  const rows: { el: HTMLElement; read: () => ReminderRow; refresh: () => void }[] = [];
  const add = h("button", { type: "button", onclick: () => addRow(newReminder(), true) }, "Add reminder");
  const element = h("fieldset", { class: "reminders" }, h("legend", null, "Reminders"), items, add);

  function addRow(initial: ReminderRow, focus = false): void {
    const kind = select("reminderKind", KINDS, initial.kind);
    const amount = h("input", { type: "number", name: "reminderAmount", min: "0", value: String(initial.amount), inputmode: "numeric" });
    const unit = select("reminderUnit", UNITS, initial.unit);
    const at = h("input", { type: "datetime-local", name: "reminderAt", step: "1", value: initial.at || defaultAt() });
    const offset = h("input", { name: "reminderOffset", value: initial.offset, autocomplete: "off", spellcheck: "false", placeholder: "-PT15M" });
    const channels = keysOf(CHANNEL_LABELS).map((c) => h("input", { type: "checkbox", name: "reminderChannel", value: c, checked: initial.channels.includes(c) }));
    const fires = h("p", { class: "hint fires" });
    const before = [field("Amount", amount), field("Unit", unit)];
    before.forEach((f) => f.classList.add("short"));
    const atField = field("Remind at", at);
    const offsetField = field("Offset", offset, "Relative to the due time: -PT15M is 15 minutes before, P1D a day after");
    const remove = h("button", { type: "button", class: "ghost danger" }, "Remove");
    const el = h(
      "fieldset",
      { class: "reminder" },
      h("legend", null, "Reminder"),
      h("div", { class: "row" }, field("When", kind), ...before, atField, offsetField),
      h("fieldset", { class: "checks" }, h("legend", null, "Send by"), ...channels.map((box) => h("label", null, box, ` ${CHANNEL_LABELS[box.value as keyof typeof CHANNEL_LABELS]}`))),
      fires,
      remove,
    );
    const read = (): ReminderRow => ({
      id: initial.id,
      kind: kind.value as ReminderRow["kind"],
      amount: Number(amount.value),
      unit: unit.value as ReminderRow["unit"],
      at: at.value,
      offset: offset.value,
      channels: channels.filter((c) => c.checked).map((c) => c.value as ReminderRow["channels"][number]),
    });
    const refresh = () => {
      const row = read();
      before.forEach((f) => (f.hidden = row.kind !== "before"));
      atField.hidden = row.kind !== "at";
      offsetField.hidden = row.kind !== "offset";
      const input = inputFor(row, ctx.zone);
      if ("error" in input) fires.textContent = input.error;
      else {
        const when = fireTime(input, ctx.due(), ctx.zone);
        fires.textContent = when ? `Fires ${formatWithWeekday(when, ctx.zone)}` : "Fires once the task has a due date";
      }
    };
    const entry = { el, read, refresh };
    remove.addEventListener("click", () => {
      rows.splice(rows.indexOf(entry), 1);
      el.remove();
      add.focus();
    });
    el.addEventListener("input", refresh);
    el.addEventListener("change", refresh);
    rows.push(entry);
    items.append(el);
    refresh();
    if (focus) kind.focus();
  }

  /** A new "at" reminder starts an hour from now, on the minute. */
  function defaultAt(): string {
    const soon = new Date(Date.now() + 3_600_000);
    soon.setUTCSeconds(0, 0);
    return toLocalInput(soon, ctx.zone);
  }

  reminders.forEach((r) => addRow(rowFor(r, ctx.zone)));
  return {
    element,
    read() {
      const out: ReminderInput[] = [];
      for (const [i, r] of rows.entries()) {
        const input = inputFor(r.read(), ctx.zone);
        if ("error" in input) return { error: `Reminder ${i + 1}: ${input.error}` };
        out.push(input);
      }
      return { items: out };
    },
    refresh: () => rows.forEach((r) => r.refresh()),
  };
}

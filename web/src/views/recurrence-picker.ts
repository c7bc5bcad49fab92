import { field, h, replace, select, uid } from "../dom";
import { preview, RepeatMode, RepeatState, ruleFor, stateFor, WEEKDAYS, weekdayName, weekdayOf } from "../recurrence";
import { formatWithWeekday } from "../time";

const MODES: Record<RepeatMode, string> = { none: "Does not repeat", daily: "Daily", weekly: "Weekly", monthly: "Monthly", custom: "Custom (RRULE)" };
const UNIT: Partial<Record<RepeatMode, string>> = { daily: "day(s)", weekly: "week(s)", monthly: "month(s)" };
const ENDS = { never: "Never", count: "After a number of times", until: "On a date" };
const PREVIEW = 5;

export interface PickerContext {
  zone: string;
  /** The due date as currently entered: the series' first occurrence. */
  due: () => Date | null;
  /** The server's list, for a stored series left as it is (it knows where the series started). */
  stored?: { rrule: string; from: "due" | "completion"; dueAt: string; occurrences: () => Promise<string[]> };
}

export interface Picker {
  element: HTMLFieldSetElement;
  read(): { rrule?: string; error?: string; from: "due" | "completion" };
  /** Call when the due date changes. */
  refresh(): void;
}

/** Repeat: daily / weekly on days / monthly / custom RRULE, with the next occurrences listed as it changes. */
export function recurrencePicker(rrule: string | null, from: "due" | "completion", ctx: PickerContext): Picker {
  const state: RepeatState = stateFor(rrule, from);
  const mode = select("repeat", MODES, state.mode);
  const interval = h("input", { type: "number", name: "interval", min: "1", max: "1000", value: String(state.interval), inputmode: "numeric" });
  const unit = h("span", { class: "unit", id: uid("unit") });
  interval.setAttribute("aria-describedby", unit.id);
  const every = h("div", { class: "row inline" }, field("Every", interval), unit);
  const days = WEEKDAYS.map((d) => h("input", { type: "checkbox", name: "byday", value: d, checked: state.weekdays.includes(d) }));
  const weekly = h("fieldset", { class: "checks days" }, h("legend", null, "On"), ...days.map((box, i) => h("label", null, box, ` ${weekdayName(WEEKDAYS[i]!)}`)));
  const monthGroup = uid("month");
  const onDue = h("input", { type: "radio", name: monthGroup, value: "due", checked: state.monthDay === "due" });
  const onLast = h("input", { type: "radio", name: monthGroup, value: "last", checked: state.monthDay === "last" });
  const monthly = h("fieldset", { class: "checks" }, h("legend", null, "On"), h("label", null, onDue, " the due date's day"), h("label", null, onLast, " the last day of the month"));
  const custom = h("input", { name: "rrule", value: state.custom, autocomplete: "off", spellcheck: "false", placeholder: "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=1" });
  const customField = field("RRULE", custom, "RFC 5545, without DTSTART: the due date is the first occurrence. E.g. FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH");
  const end = select("ends", ENDS, state.end);
  const count = h("input", { type: "number", name: "count", min: "1", value: String(state.count), inputmode: "numeric" });
  const until = h("input", { type: "date", name: "until", value: state.untilDay });
  const countField = field("Times", count);
  const untilField = field("Last day", until);
  const ends = h("div", { class: "row" }, field("Ends", end), countField, untilField);
  const fromCompletion = h("input", { type: "checkbox", name: "fromCompletion", checked: state.fromCompletion });
  const completionLabel = h("label", { class: "check-label" }, fromCompletion, " Count from when I complete it, not from the due date");
  const list = h("ol", { class: "occurrences" });
  const note = h("p", { class: "hint" });
  const previewBox = h("div", { class: "preview", "aria-live": "polite" }, h("h3", null, "Next occurrences"), note, list);
  let previewRun = 0;

  const element = h("fieldset", { class: "repeat" }, h("legend", null, "Repeat"), field("Repeats", mode), every, weekly, monthly, customField, ends, completionLabel, previewBox);

  function readState(): RepeatState {
    return {
      mode: mode.value as RepeatMode,
      interval: Number(interval.value),
      weekdays: WEEKDAYS.filter((_, i) => days[i]!.checked),
      monthDay: onLast.checked ? "last" : "due",
      end: end.value as RepeatState["end"],
      count: Number(count.value),
      untilDay: until.value,
      custom: custom.value,
      fromCompletion: fromCompletion.checked,
    };
  }

  function read() {
    const s = readState();
    return { ...ruleFor(s), from: s.fromCompletion ? ("completion" as const) : ("due" as const) };
  }

  function refresh(): void {
    const s = readState();
    const simple = s.mode !== "none" && s.mode !== "custom";
    every.hidden = !simple;
    unit.textContent = UNIT[s.mode] ?? "";
    weekly.hidden = s.mode !== "weekly";
    monthly.hidden = s.mode !== "monthly";
    customField.hidden = s.mode !== "custom";
    ends.hidden = !simple;
    countField.hidden = s.end !== "count";
    untilField.hidden = s.end !== "until";
    completionLabel.hidden = s.mode === "none";
    previewBox.hidden = s.mode === "none";
    custom.required = s.mode === "custom";
    void showPreview();
  }

  async function showPreview(): Promise<void> {
    const run = ++previewRun;
    const { rrule, error, from } = read();
    const due = ctx.due();
    const say = (text: string, items: string[] = []) => {
      if (run !== previewRun) return;
      note.textContent = text;
      replace(list, ...items.map((at) => h("li", null, h("time", { datetime: at }, formatWithWeekday(at, ctx.zone)))));
    };
    if (!rrule) return say(error ?? "");
    if (!due) return say("Set a due date: it is the first occurrence.");
    const stored = ctx.stored;
    if (stored && stored.rrule === rrule && stored.from === from && Date.parse(stored.dueAt) === due.getTime()) {
      try {
        return say("", await stored.occurrences());
      } catch {
        // Fall back to computing it here.
      }
    }
    const dates = preview(rrule, ctx.zone, due, from === "completion", PREVIEW).map((d) => d.toISOString());
    say(dates.length <= 1 ? "No occurrence after the first one." : from === "completion" ? "If each one is completed when due:" : "", dates);
  }

  mode.addEventListener("change", () => {
    // Weekly starts on the due date's weekday, which the user can then change.
    const due = ctx.due();
    if (mode.value === "weekly" && due && !days.some((d) => d.checked)) days[WEEKDAYS.indexOf(weekdayOf(due, ctx.zone))]!.checked = true;
    refresh();
  });
  element.addEventListener("input", (e) => e.target !== mode && refresh());
  element.addEventListener("change", (e) => e.target !== mode && refresh());
  refresh();
  return { element, read, refresh };
}

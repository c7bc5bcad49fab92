import { h } from "../dom";

/**
 * Asks the user to pick one of `options` in a small modal dialog; resolves with its value,
 * or null for Cancel / Escape. Used where the API wants an explicit choice (a parent's subtasks).
 */
export function choose<V extends string>(title: string, body: string, options: { value: V; label: string; danger?: boolean }[]): Promise<V | null> {
  return new Promise((resolve) => {
    let chosen: V | null = null;
    const opener = document.activeElement as HTMLElement | null;
    const buttons = options.map((o) =>
      h("button", { type: "button", class: o.danger ? "danger" : "primary", onclick: () => ((chosen = o.value), dialog.close()) }, o.label),
    );
    const dialog = h(
      "dialog",
      { class: "editor-dialog choice-dialog", "aria-labelledby": "choice-title" },
      h("h2", { id: "choice-title" }, title),
      h("p", null, body),
      h("div", { class: "actions" }, ...buttons, h("button", { type: "button", onclick: () => dialog.close() }, "Cancel")),
    );
    dialog.addEventListener("close", () => {
      dialog.remove();
      opener?.focus();
      resolve(chosen);
    });
    document.body.append(dialog);
    dialog.showModal();
    buttons[0]?.focus();
  });
}

/** The choice for a parent with open subtasks: true to include them, false to stop. */
export async function includeChildren(verb: "Complete" | "Delete", title: string, open: number): Promise<boolean> {
  const what = `${open} subtask${open === 1 ? "" : "s"}`;
  const choice = await choose(`${verb} “${title}”?`, `It has ${what}${verb === "Complete" ? " still open" : ""}.`, [
    { value: "yes", label: `${verb} them too`, danger: verb === "Delete" },
  ]);
  return choice === "yes";
}

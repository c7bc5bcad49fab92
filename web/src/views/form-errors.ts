import { ApiError } from "../api";
import { h, replace } from "../dom";

/**
 * Shows a failed request in a form's alert box, and marks each field the API named
 * (`body.title` → the control with `name="title"`) invalid, with its message.
 */
export function showProblem(form: HTMLFormElement, box: HTMLElement, err: unknown): void {
  clearProblem(form, box);
  const problem = err instanceof ApiError ? err : undefined;
  const items = (problem?.errors ?? []).map((e) => {
    const name = e.path.replace(/^body\./, "").split(".")[0]!;
    const control = form.querySelector<HTMLElement>(`[name="${CSS.escape(name)}"]`);
    if (control) {
      control.setAttribute("aria-invalid", "true");
      control.setAttribute("aria-errormessage", box.id);
    }
    return h("li", null, `${e.path.replace(/^body\./, "")}: ${e.message}`);
  });
  const title = problem ? (problem.status === 0 ? problem.detail : problem.detail || problem.title) : String((err as Error)?.message ?? err);
  replace(box, h("p", null, title), items.length ? h("ul", null, items) : null);
  box.hidden = false;
  box.focus();
}

export function clearProblem(form: HTMLFormElement, box: HTMLElement): void {
  box.hidden = true;
  box.replaceChildren();
  form.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
}

/** The alert box a form shows its problems in. */
export const problemBox = (id: string) => h("div", { id, class: "problem", role: "alert", tabindex: "-1", hidden: true });

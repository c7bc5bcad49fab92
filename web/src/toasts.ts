import { h } from "./dom";

export interface ToastAction {
  label: string;
  run: () => unknown;
}

const MAX_VISIBLE = 5;

function region(): HTMLElement {
  return document.getElementById("toasts")!;
}

/**
 * An in-page message in the live region. Reminders stay until dismissed or acted on;
 * confirmations (`timeoutMs`) go away by themselves.
 */
export function toast(opts: {
  title: string;
  body?: string;
  /** A small badge after the title, its `title` explaining it on hover ("Late"). */
  badge?: { text: string; title?: string };
  kind?: "reminder" | "info" | "error";
  actions?: ToastAction[];
  timeoutMs?: number;
  id?: string;
}): HTMLElement {
  const close = () => el.remove();
  const buttons = (opts.actions ?? []).map((a) =>
    h("button", {
      type: "button",
      onclick: async () => {
        close();
        await a.run();
      },
    }, a.label),
  );
  const el = h(
    "div",
    // The region is polite; only errors interrupt.
    { class: `toast toast-${opts.kind ?? "info"}`, role: opts.kind === "error" ? "alert" : undefined, "data-id": opts.id },
    h(
      "div",
      { class: "toast-text" },
      h("strong", null, opts.title, opts.badge ? h("span", { class: "badge late", title: opts.badge.title }, opts.badge.text) : null),
      opts.body ? h("span", null, opts.body) : null,
    ),
    h("div", { class: "toast-actions" }, ...buttons, h("button", { type: "button", class: "ghost", "aria-label": `Dismiss ${opts.title}`, onclick: close }, "✕")),
  );
  const r = region();
  r.append(el);
  while (r.children.length > MAX_VISIBLE) r.firstElementChild!.remove();
  if (opts.timeoutMs) setTimeout(close, opts.timeoutMs);
  return el;
}

export const info = (title: string, body?: string) => toast({ title, body, timeoutMs: 5000 });
export const failure = (title: string, err: unknown) => toast({ title, body: err instanceof Error ? err.message : String(err), kind: "error", timeoutMs: 8000 });

import type { Api } from "../api";
import { field, h, replace } from "../dom";
import { browserZone } from "../time";
import type { User } from "../types";
import { clearProblem, problemBox, showProblem } from "./form-errors";
import { zoneInput } from "./zone-input";

/** Sign in, or sign up with `mode: "signup"`; `done` gets the user once the tokens are kept. */
export function authView(api: Api, main: HTMLElement, mode: "signin" | "signup", done: (user: User) => void): void {
  const signup = mode === "signup";
  const email = h("input", { name: "email", type: "email", autocomplete: "email", required: true, maxlength: "254" });
  const password = h("input", {
    name: "password",
    type: "password",
    autocomplete: signup ? "new-password" : "current-password",
    required: true,
    minlength: signup ? "10" : undefined,
  });
  const name = h("input", { name: "name", autocomplete: "name", maxlength: "200" });
  const { input: timezone, list: zones } = zoneInput(browserZone());
  const errors = problemBox("auth-problem");
  const submit = h("button", { type: "submit", class: "primary" }, signup ? "Create account" : "Sign in");

  const form = h(
    "form",
    { class: "card narrow" },
    errors,
    field("Email", email),
    field("Password", password, signup ? "At least 10 characters" : undefined),
    signup ? field("Name (optional)", name) : null,
    signup ? field("Time zone", timezone, "Due dates and reminders are shown in this zone (IANA name, e.g. Europe/Berlin)") : null,
    signup ? zones : null,
    submit,
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearProblem(form, errors);
    submit.disabled = true;
    try {
      const user = signup
        ? await api.register({ email: email.value, password: password.value, name: name.value || undefined, timezone: timezone.value.trim() })
        : await api.login(email.value, password.value);
      done(user);
    } catch (err) {
      showProblem(form, errors, err);
    } finally {
      submit.disabled = false;
    }
  });

  const other = signup
    ? h("p", null, "Have an account? ", h("a", { href: "/signin", "data-link": true }, "Sign in"))
    : h("p", null, "New here? ", h("a", { href: "/signup", "data-link": true }, "Create an account"));
  replace(main, h("h1", { tabindex: "-1" }, signup ? "Create your account" : "Sign in to Todogenie"), form, other);
}

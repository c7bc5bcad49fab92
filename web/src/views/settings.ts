import type { View } from "../app";
import { field, h, replace } from "../dom";
import { askPermission, permission } from "../notifier";
import { info } from "../toasts";
import type { UserPatch } from "../types";
import { clearProblem, problemBox, showProblem } from "./form-errors";
import { zoneInput } from "./zone-input";

/** Settings: name, time zone, phone and WhatsApp opt-in, channels and quiet hours; browser notification permission. */
export const settingsView: View = (app, main) => {
  const me = app.me.value;
  const name = h("input", { name: "name", value: me.name, autocomplete: "name", maxlength: "200" });
  const { input: timezone, list: zones } = zoneInput(me.timezone);
  const phone = h("input", {
    name: "phone",
    type: "tel",
    value: me.phone ?? "",
    autocomplete: "tel",
    pattern: "\\+[1-9][0-9]{6,14}",
    placeholder: "+4915112345678",
  });
  const optIn = h("input", { type: "checkbox", name: "whatsappOptIn", checked: me.whatsappOptIn });
  // Nothing goes to a number, and no reply from it counts, until a code sent to it comes back.
  const phoneState = h("p", { class: "hint", role: "status" });
  const sendCode = h("button", { type: "button" }, "Send code");
  const code = h("input", { name: "code", inputmode: "numeric", autocomplete: "one-time-code", pattern: "[0-9]{6}", maxlength: "6", placeholder: "123456" });
  const verify = h("button", { type: "button" }, "Verify");
  const verification = h("div", { class: "row" }, sendCode, field("Code", code), verify);
  const showVerification = () => {
    const saved = app.me.value;
    phoneState.textContent = !saved.phone
      ? ""
      : saved.phoneVerified
        ? `${saved.phone} is verified.`
        : `${saved.phone} is not verified: WhatsApp reminders go to it once you confirm the code we send there.`;
    verification.hidden = !saved.phone || saved.phoneVerified;
  };
  showVerification();
  const sse = h("input", { type: "checkbox", name: "sse", checked: me.notificationPrefs.sse });
  const whatsapp = h("input", { type: "checkbox", name: "whatsapp", checked: me.notificationPrefs.whatsapp });
  const quiet = me.notificationPrefs.quietHours;
  const quietOn = h("input", { type: "checkbox", name: "quietHours", checked: quiet !== null });
  const quietStart = h("input", { type: "time", name: "quietStart", value: quiet?.start ?? "22:00" });
  const quietEnd = h("input", { type: "time", name: "quietEnd", value: quiet?.end ?? "07:00" });
  const quietTimes = h("div", { class: "row", hidden: !quiet }, field("From", quietStart), field("Until", quietEnd));
  quietOn.addEventListener("change", () => (quietTimes.hidden = !quietOn.checked));

  const errors = problemBox("settings-problem");
  const save = h("button", { type: "submit", class: "primary" }, "Save settings");
  const form = h(
    "form",
    { class: "card" },
    errors,
    field("Name", name),
    field("Time zone", timezone, "Due dates, reminders and repeats follow this zone"),
    zones,
    h(
      "fieldset",
      null,
      h("legend", null, "WhatsApp"),
      field("Phone number", phone, "International format: + and country code, e.g. +4915112345678"),
      phoneState,
      verification,
      h("label", { class: "check-label" }, optIn, " Send me reminders on WhatsApp"),
    ),
    h(
      "fieldset",
      null,
      h("legend", null, "Channels"),
      h("label", { class: "check-label" }, sse, " Reminders in the browser"),
      h("label", { class: "check-label" }, whatsapp, " Reminders on WhatsApp"),
      h("label", { class: "check-label" }, quietOn, " Quiet hours (no WhatsApp messages)"),
      quietTimes,
    ),
    save,
  );
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    clearProblem(form, errors);
    const patch: UserPatch = {
      name: name.value.trim(),
      timezone: timezone.value.trim(),
      phone: phone.value.trim() || null,
      whatsappOptIn: optIn.checked,
      notificationPrefs: {
        sse: sse.checked,
        whatsapp: whatsapp.checked,
        quietHours: quietOn.checked ? { start: quietStart.value, end: quietEnd.value } : null,
      },
    };
    save.disabled = true;
    try {
      app.me.set(await app.api.updateMe(patch));
      showVerification();
      info("Settings saved");
    } catch (err) {
      showProblem(form, errors, err);
    } finally {
      save.disabled = false;
    }
  });

  /** A button's request, with the button off meanwhile; a failure shows in the form's alert box. */
  const onClick = (button: HTMLButtonElement, run: () => Promise<void>) =>
    button.addEventListener("click", async () => {
      clearProblem(form, errors);
      button.disabled = true;
      try {
        await run();
      } catch (err) {
        showProblem(form, errors, err);
      } finally {
        button.disabled = false;
      }
    });
  onClick(sendCode, async () => {
    const sent = await app.api.sendPhoneCode();
    info("Code sent", `Check WhatsApp on ${sent.phone}; the code works for 10 minutes.`);
    code.focus();
  });
  onClick(verify, async () => {
    app.me.set(await app.api.confirmPhoneCode(code.value.trim()));
    code.value = "";
    showVerification();
    info("Phone number verified");
  });

  const state = h("span", { class: "permission" });
  const ask = h("button", { type: "button" }, "Allow browser notifications");
  const showPermission = () => {
    const p = permission();
    state.textContent = { granted: "allowed", denied: "blocked (change it in the browser's site settings)", default: "not asked yet", unsupported: "not supported by this browser" }[p];
    ask.hidden = p !== "default";
  };
  ask.addEventListener("click", async () => {
    await askPermission();
    showPermission();
  });
  showPermission();

  replace(
    main,
    h("h1", { tabindex: "-1" }, "Settings"),
    form,
    h("section", { class: "card" }, h("h2", null, "This browser"), h("p", null, "System notifications: ", state), ask),
  );
};

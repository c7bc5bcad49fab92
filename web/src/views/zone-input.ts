import { h, uid } from "../dom";
import { knownZones } from "../time";

/** A time-zone text box that suggests the IANA names the browser knows; the server has the last word. */
export function zoneInput(value: string): { input: HTMLInputElement; list: HTMLDataListElement } {
  const list = h("datalist", { id: uid("zones") }, ...knownZones().map((z) => h("option", { value: z })));
  const input = h("input", { name: "timezone", value, list: list.id, required: true, autocomplete: "off", spellcheck: "false" });
  return { input, list };
}

import { DEFAULT_SNOOZE_MINUTES, HELP_REPLY, parseCommand, SNOOZE_RANGE_REPLY } from "./inbound-command";

describe("parseCommand", () => {
  it.each(["done", "DONE", "  Done  ", "done.", "Done!", "\tdone\n"])("%j is done", (text) => {
    expect(parseCommand(text)).toEqual({ kind: "done" });
  });

  it.each([
    ["snooze", DEFAULT_SNOOZE_MINUTES],
    ["  SNOOZE ", DEFAULT_SNOOZE_MINUTES],
    ["snooze 30", 30],
    ["Snooze   45", 45],
    ["snooze30", 30],
    ["snooze 1", 1],
    ["snooze 1440", 1440],
    ["snooze 015", 15],
    ["snooze 30m", 30],
    ["snooze 30 min", 30],
    ["snooze 5 minutes.", 5],
    ["snooze ３０", 30], // full-width digits, as some keyboards type them
  ])("%j snoozes %d minutes", (text, minutes) => {
    expect(parseCommand(text)).toEqual({ kind: "snooze", minutes });
  });

  it.each(["snooze 0", "snooze 1441", "snooze 99999999"])("%j is out of range", (text) => {
    expect(parseCommand(text)).toEqual({ kind: "unknown", reply: SNOOZE_RANGE_REPLY });
  });

  it.each(["", "hello", "done done", "not done", "snooze -5", "snooze ten", "snooze 1.5", "snooze min", "undone"])(
    "%j is unknown, answered with help",
    (text) => {
      expect(parseCommand(text)).toEqual({ kind: "unknown", reply: HELP_REPLY });
    },
  );

  it("the help names both commands and the default", () => {
    expect(HELP_REPLY).toContain('"done"');
    expect(HELP_REPLY).toContain('"snooze N"');
    expect(HELP_REPLY).toContain(`${DEFAULT_SNOOZE_MINUTES}`);
  });
});

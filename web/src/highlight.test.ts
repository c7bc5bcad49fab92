import { countLabel, highlightParts } from "./highlight";

describe("highlightParts", () => {
  it("cuts the text at end-exclusive ranges", () => {
    expect(highlightParts("Project kickoff", [[0, 3], [8, 9]])).toEqual([
      { text: "Pro", hit: true },
      { text: "ject ", hit: false },
      { text: "k", hit: true },
      { text: "ickoff", hit: false },
    ]);
  });

  it("without ranges, the whole text unmarked", () => {
    expect(highlightParts("Plain", undefined)).toEqual([{ text: "Plain", hit: false }]);
    expect(highlightParts("", [])).toEqual([{ text: "", hit: false }]);
  });

  it("clamps, sorts and merges odd ranges instead of garbling", () => {
    expect(highlightParts("abcdef", [[4, 99], [1, 3], [2, 5], [-3, 0]])).toEqual([
      { text: "a", hit: false },
      { text: "bc", hit: true },
      { text: "de", hit: true },
      { text: "f", hit: true },
    ]);
  });

  it("keeps markup as text", () => {
    expect(highlightParts("<b>x</b>", [[3, 4]]).map((p) => p.text).join("")).toBe("<b>x</b>");
  });
});

test("countLabel shows a count only when there is one", () => {
  expect(countLabel({ todo: 3 }, "todo")).toBe(" (3)");
  expect(countLabel({ todo: 3 }, "done")).toBe("");
  expect(countLabel(undefined, "done")).toBe("");
});

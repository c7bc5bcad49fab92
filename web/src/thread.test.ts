import { actionLabel, changeLines, openChildren, progressLabel, valueText } from "./thread";
import { formatInstant } from "./time";
import type { HistoryItem, Task } from "./types";

describe("subtask progress", () => {
  it("shows done of all children, nothing without children", () => {
    expect(progressLabel({ done: 2, total: 5 })).toBe("2/5");
    expect(progressLabel({ done: 0, total: 0 })).toBeNull();
    expect(progressLabel(undefined)).toBeNull();
  });

  it("counts the open children a completion would touch", () => {
    expect(openChildren({ progress: { done: 1, total: 3 } } as Task)).toBe(2);
    expect(openChildren({} as Task)).toBe(0);
  });
});

describe("history entries", () => {
  const item = (changes: HistoryItem["changes"], action = "updated"): HistoryItem => ({ id: "1", at: "2030-01-01T00:00:00Z", actorId: null, taskId: null, userId: null, action, changes });

  it("writes each field from → to in words, instants in the user's zone, empty values as a dash", () => {
    expect(changeLines(item([{ field: "title", from: "Old", to: "New" }, { field: "dueAt", from: null, to: "2030-01-02T09:00:00.000Z" }]), "Europe/Berlin")).toEqual([
      "Title: Old → New",
      `Due: — → ${formatInstant("2030-01-02T09:00:00.000Z", "Europe/Berlin")}`,
    ]);
    expect(changeLines(item([{ field: "tags", from: [], to: ["a", "b"] }]))).toEqual(["Tags: — → a, b"]);
    expect(changeLines(item([{ field: "reminders", from: [], to: [{ id: "r" }, { id: "s" }] }]))).toEqual(["Reminders: 0 → 2"]);
    expect(changeLines(item([{ field: "recurrence", from: null, to: { rrule: "FREQ=DAILY" } }]))).toEqual(["Repeats: — → FREQ=DAILY"]);
  });

  it("says an id field changed without its uuids, and leaves a comment's id out", () => {
    expect(changeLines(item([{ field: "parentId", from: null, to: "9b057244-7d5c-40cc-b696-e26954afe47e" }]))).toEqual(["Parent changed"]);
    expect(changeLines(item([{ field: "comment", from: null, to: "9b057244-7d5c-40cc-b696-e26954afe47e" }], "commented"))).toEqual([]);
    expect(changeLines(item([{ field: "comment", from: "teh", to: "the" }], "comment.edited"))).toEqual(["Comment: teh → the"]);
  });

  it("cuts long values and names unknown actions as they are", () => {
    expect(valueText("x".repeat(200))).toHaveLength(80);
    expect(valueText({ a: 1 })).toBe('{"a":1}');
    expect(actionLabel("completed")).toBe("completed the task");
    expect(actionLabel("archived")).toBe("archived");
  });
});

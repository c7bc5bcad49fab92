import { actionLabel, changeLines, openChildren, progressLabel, valueText } from "./thread";
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
  const item = (changes: HistoryItem["changes"]): HistoryItem => ({ id: "1", at: "2030-01-01T00:00:00Z", actorId: null, taskId: null, userId: null, action: "updated", changes });

  it("writes each field from → to, with empty values as a dash", () => {
    expect(changeLines(item([{ field: "title", from: "Old", to: "New" }, { field: "dueAt", from: null, to: "2030-01-02T09:00:00Z" }]))).toEqual([
      "title: Old → New",
      "dueAt: — → 2030-01-02T09:00:00Z",
    ]);
    expect(changeLines(item([{ field: "tags", from: [], to: ["a", "b"] }]))).toEqual(["tags: — → a, b"]);
  });

  it("cuts long values and names unknown actions as they are", () => {
    expect(valueText("x".repeat(200))).toHaveLength(80);
    expect(valueText({ a: 1 })).toBe('{"a":1}');
    expect(actionLabel("completed")).toBe("completed the task");
    expect(actionLabel("archived")).toBe("archived");
  });
});

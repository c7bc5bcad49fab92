import { changes } from "./task-changes";
import type { Task, TaskInput } from "./types";

const task: Task = {
  id: "7c9e6679-7425-40de-944b-e07fc1f90ae7",
  title: "Weekly review",
  description: "",
  status: "todo",
  priority: "none",
  dueAt: "2030-01-14T08:00:00.000Z",
  startAt: null,
  completedAt: null,
  assigneeId: null,
  tags: ["work"],
  recurrence: { rrule: "FREQ=WEEKLY;BYDAY=MO", timezone: "Europe/Berlin", from: "due", exdates: [] },
  reminders: [{ id: "5d6b1a2e-1c1f-4a59-9a76-0c8b7e6c9a11", offset: "-PT15M", channels: ["sse"] }],
  projectId: null,
  ownerId: "0b7c8a8e-9d3f-4c2a-8f55-3a1d2b6c7e90",
  createdAt: "2030-01-01T00:00:00.000Z",
  updatedAt: "2030-01-01T00:00:00.000Z",
  version: 2,
};
const unchanged: TaskInput = {
  title: "Weekly review",
  description: "",
  status: "todo",
  priority: "none",
  dueAt: "2030-01-14T09:00:00+01:00",
  tags: ["work"],
  recurrence: { rrule: "FREQ=WEEKLY;BYDAY=MO", from: "due", timezone: "Europe/Berlin" },
  reminders: [{ id: "5d6b1a2e-1c1f-4a59-9a76-0c8b7e6c9a11", offset: "-PT15M", channels: ["sse"] }],
};

describe("what the editor sends back", () => {
  it("nothing when nothing changed, so a series keeps its start", () => {
    expect(changes(unchanged, task)).toEqual({});
  });

  it("only the fields the form changed", () => {
    expect(changes({ ...unchanged, title: "Weekly retro", priority: "high", tags: ["work", "team"] }, task)).toEqual({
      title: "Weekly retro",
      priority: "high",
      tags: ["work", "team"],
    });
    expect(changes({ ...unchanged, recurrence: { rrule: "FREQ=WEEKLY;BYDAY=TU", from: "due" } }, task)).toEqual({
      recurrence: { rrule: "FREQ=WEEKLY;BYDAY=TU", from: "due" },
    });
    expect(changes({ ...unchanged, recurrence: null }, task)).toEqual({ recurrence: null });
    expect(changes({ ...unchanged, dueAt: null, recurrence: null }, task)).toEqual({ dueAt: null, recurrence: null });
    expect(changes({ ...unchanged, reminders: [] }, task)).toEqual({ reminders: [] });
  });
});

test("blockedBy is sent only when the editor changed it", () => {
  const blocker = "3f1c2b4a-5d6e-4f70-8a9b-0c1d2e3f4a5b";
  expect(changes({ ...unchanged, blockedBy: [] }, task)).toEqual({});
  expect(changes({ ...unchanged, blockedBy: [blocker] }, task)).toEqual({ blockedBy: [blocker] });
  expect(changes({ ...unchanged, blockedBy: [blocker] }, { ...task, blockedBy: [blocker] })).toEqual({});
  expect(changes({ ...unchanged, blockedBy: [] }, { ...task, blockedBy: [blocker] })).toEqual({ blockedBy: [] });
});

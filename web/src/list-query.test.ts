import { defaultListState, taskQuery } from "./list-query";

const BERLIN = "Europe/Berlin";
const NOW = new Date("2030-03-31T10:00:00Z"); // Berlin moved to summer time at 02:00 that day: a 23-hour day
const query = (over: Partial<ReturnType<typeof defaultListState>>, cursor?: string) =>
  Object.fromEntries(taskQuery({ ...defaultListState(), ...over }, BERLIN, NOW, 30, cursor));

describe("taskQuery", () => {
  it("lists open tasks, newest first, by default", () => {
    expect(query({})).toEqual({ topLevel: "true", status: "todo,in_progress", sort: "-createdAt", limit: "30" });
  });

  it("searches by relevance unless a sort is picked, and sends every filter as API.md names it", () => {
    expect(query({ q: "  grocries ", status: [], priority: ["high", "urgent"], tags: ["Work", " home "], projectId: "p1" }, "abc")).toEqual({
      q: "grocries",
      priority: "high,urgent",
      tag: "work,home",
      projectId: "p1",
      limit: "30",
      cursor: "abc",
    });
    expect(query({ q: "rent", sort: "dueAt" }).sort).toBe("dueAt");
  });

  it("turns due presets into instants in the user's zone (dueTo exclusive)", () => {
    expect(query({ due: "overdue" }).overdue).toBe("true");
    expect(query({ due: "today" })).toMatchObject({ dueFrom: "2030-03-30T23:00:00.000Z", dueTo: "2030-03-31T22:00:00.000Z" });
    expect(query({ due: "week" })).toMatchObject({ dueFrom: NOW.toISOString(), dueTo: "2030-04-07T22:00:00.000Z" });
    expect(query({ due: "range", dueFromDay: "2030-01-01", dueToDay: "2030-01-31" })).toMatchObject({
      dueFrom: "2029-12-31T23:00:00.000Z",
      dueTo: "2030-01-31T23:00:00.000Z",
    });
    expect(query({ due: "range", dueToDay: "2030-01-31" }).dueFrom).toBeUndefined();
  });
});

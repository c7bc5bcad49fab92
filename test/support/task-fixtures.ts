import { randomUUID } from "node:crypto";
import { PRIORITIES, SortTerm, TASK_STATUSES, TaskDto } from "../../libs/contracts";

/** A deterministic pseudo-random source, so a failing case can be replayed. */
export function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const pick = <T>(rand: () => number, list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;

/** Tasks with colliding sort values (few due dates, repeated titles, undated ones) to exercise ties. */
export function randomTasks(count: number, ownerId: string, rand: () => number, base = Date.parse("2026-11-01T00:00:00Z")): TaskDto[] {
  const tags = ["work", "home", "bills", "garden"];
  return Array.from({ length: count }, (_, i) => {
    const created = new Date(base + Math.floor(rand() * 40) * 60_000).toISOString();
    const dated = rand() < 0.7;
    return {
      id: randomUUID(),
      title: `${pick(rand, ["Pay", "Buy", "Call", "Plan"])} ${pick(rand, ["rent", "groceries", "mum", "landing page"])}`,
      description: i % 5 === 0 ? "quarterly report" : "",
      status: pick(rand, TASK_STATUSES),
      priority: pick(rand, PRIORITIES),
      dueAt: dated ? new Date(base + Math.floor(rand() * 10) * 86_400_000).toISOString() : null,
      startAt: null,
      completedAt: null,
      tags: tags.filter(() => rand() < 0.3),
      recurrence: null,
      reminders: [],
      projectId: null,
      assigneeId: null,
      ownerId,
      createdAt: created,
      updatedAt: new Date(Date.parse(created) + Math.floor(rand() * 5) * 60_000).toISOString(),
      version: 1,
    };
  });
}

/** The API's order, written plainly: keys in turn, undated last either way, ties by id in the last key's direction. */
export function referenceSort(tasks: TaskDto[], sort: SortTerm[]): TaskDto[] {
  const rank = (p: string) => PRIORITIES.indexOf(p as (typeof PRIORITIES)[number]);
  const cmp = (a: TaskDto, b: TaskDto): number => {
    for (const term of sort) {
      const dir = term.desc ? -1 : 1;
      let c = 0;
      if (term.key === "dueAt") {
        if (a.dueAt === null || b.dueAt === null) c = a.dueAt === b.dueAt ? 0 : a.dueAt === null ? 1 : -1;
        else c = dir * (Date.parse(a.dueAt) - Date.parse(b.dueAt));
        if (c !== 0) return c;
        continue;
      }
      if (term.key === "priority") c = rank(a.priority) - rank(b.priority);
      else if (term.key === "title") c = a.title < b.title ? -1 : a.title > b.title ? 1 : 0;
      else if (term.key === "position") c = (a.position ?? 0) - (b.position ?? 0);
      else c = Date.parse(a[term.key]) - Date.parse(b[term.key]);
      if (c !== 0) return dir * c;
    }
    const last = sort[sort.length - 1];
    return (last?.desc ? -1 : 1) * (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  };
  return [...tasks].sort(cmp);
}

import { createHash } from "node:crypto";
import type { AuthMeta, ProjectDto, TaskDto } from "../../../libs/contracts";
import type { GatewayContext } from "../routes/context";
import { callAs } from "../routes/context";
import { readKept } from "../export/ical";

/** The personal tasks' collection: tasks without a project, owned by the caller. */
export const INBOX = "inbox";

export interface Collection {
  /** `inbox` or the project's id: the path segment. */
  key: string;
  projectId: string | null;
  name: string;
  writable: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (s: string) => UUID.test(s);

/** RFC 9562 version 5 (SHA-1, name-based) UUID. */
function uuidV5(name: string): string {
  const ns = Buffer.from("6f2a5a0c-8c2d-4b8e-9a52-0e7c1d3b9f41".replace(/-/g, ""), "hex");
  const hash = createHash("sha1").update(Buffer.concat([ns, Buffer.from(name, "utf8")])).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const h = hash.subarray(0, 16).toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Where a collection's names are unique: a project for all its members, the inbox for its owner. */
const scopeOf = (c: Collection, userId: string) => (c.projectId ?? `inbox:${userId}`);

/**
 * The task an object name stands for: a UUID names the task itself; any other name (a client's
 * own, "abc@host.ics") names the task whose id is derived from it within the collection, so the
 * client finds its object where it put it.
 */
export function taskIdFor(collection: Collection, userId: string, name: string): string {
  return isUuid(name) ? name.toLowerCase() : uuidV5(`${scopeOf(collection, userId)}/${name}`);
}

/** The object name of a task in a collection: the client's own, while it still names this task; else the task's id. */
export function nameOf(collection: Collection, userId: string, task: TaskDto): string {
  const href = readKept(task).href;
  return href && taskIdFor(collection, userId, href) === task.id ? href : task.id;
}

export function inCollection(collection: Collection, userId: string, task: TaskDto): boolean {
  return collection.projectId ? task.projectId === collection.projectId : task.projectId === null && task.ownerId === userId;
}

/** The caller's collections: their inbox, then each project they belong to. */
export async function collectionsOf(ctx: GatewayContext, auth: AuthMeta, canWrite: boolean): Promise<Collection[]> {
  const out: Collection[] = [{ key: INBOX, projectId: null, name: "Inbox", writable: canWrite }];
  let cursor: string | undefined;
  for (;;) {
    const page = await callAs(ctx, auth, "projects.list", { limit: 200, cursor });
    out.push(...page.items.map((p: ProjectDto) => ({ key: p.id, projectId: p.id, name: p.name, writable: canWrite && p.role !== "viewer" })));
    if (!page.nextCursor) return out;
    cursor = page.nextCursor;
  }
}

export async function collectionOf(ctx: GatewayContext, auth: AuthMeta, key: string, canWrite: boolean): Promise<Collection | undefined> {
  if (key === INBOX) return { key: INBOX, projectId: null, name: "Inbox", writable: canWrite };
  if (!isUuid(key)) return undefined;
  try {
    const p = await callAs(ctx, auth, "projects.get", { id: key.toLowerCase() });
    return { key: p.id, projectId: p.id, name: p.name, writable: canWrite && p.role !== "viewer" };
  } catch (err) {
    if ((err as { code?: number }).code === 404) return undefined;
    throw err;
  }
}

/**
 * What changed for the caller after `since` (everything when absent), through the delta-sync
 * feed (services/tasks/sync.ts), and the token to continue from.
 */
export async function changesSince(
  ctx: GatewayContext,
  auth: AuthMeta,
  since: string | undefined,
): Promise<{ tasks: TaskDto[]; deleted: string[]; token: string }> {
  const tasks = new Map<string, TaskDto>();
  const deleted = new Set<string>();
  let token = since;
  for (;;) {
    const page = await callAs(ctx, auth, "tasks.sync", { since: token, limit: 1000 });
    for (const t of page.tasks) {
      tasks.set(t.id, t);
      deleted.delete(t.id);
    }
    for (const d of page.deleted) {
      if (d.kind !== "task") continue;
      tasks.delete(d.id);
      deleted.add(d.id);
    }
    token = page.nextToken;
    if (!page.hasMore) return { tasks: [...tasks.values()], deleted: [...deleted], token };
  }
}

/** A collection's tasks now, and the sync token that follows them. */
export async function membersOf(ctx: GatewayContext, auth: AuthMeta, collection: Collection): Promise<{ tasks: TaskDto[]; token: string }> {
  const all = await changesSince(ctx, auth, undefined);
  return { tasks: all.tasks.filter((t) => inCollection(collection, auth.userId, t)), token: all.token };
}

/** The collection's ctag: changes whenever one of its tasks is added, changed or removed. */
export function ctagOf(tasks: TaskDto[]): string {
  const h = createHash("sha256");
  for (const t of [...tasks].sort((a, b) => (a.id < b.id ? -1 : 1))) h.update(`${t.id}:${t.version};`);
  return h.digest("base64url").slice(0, 22);
}

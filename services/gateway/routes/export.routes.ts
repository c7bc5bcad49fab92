import { once } from "node:events";
import type { Response } from "express";
import { z } from "zod";
import type { AuthMeta, ResultOf } from "../../../libs/contracts";
import { UnauthorizedError } from "../../../libs/errors";
import { toUserDto } from "../auth/user-store";
import { ICS_FOOTER, ICS_HEADER, vtodo } from "../export/ical";
import { route, RouteDef } from "../http/route";
import { callAs, GatewayContext } from "./context";
import { problemResponses } from "./problems";

const tag = "users";
const PAGE = 1_000;

/** Writes, waiting while the client's socket is full: memory stays flat whatever the account's size. */
async function put(res: Response, chunk: string): Promise<void> {
  if (!res.write(chunk)) await once(res, "drain");
}

/** Every task and project the caller can see, a sync page at a time (services/tasks/sync.ts). */
async function* everything(ctx: GatewayContext, auth: AuthMeta): AsyncGenerator<ResultOf<"tasks.sync">> {
  let since: string | undefined;
  for (;;) {
    const page = await callAs(ctx, auth, "tasks.sync", { since, limit: PAGE });
    yield page;
    if (!page.hasMore) return;
    since = page.nextToken;
  }
}

/** Streams a JSON array of items from `pages`, each page's items mapped by `pick`. */
async function putArray<P>(res: Response, pages: AsyncIterable<P>, pick: (page: P) => Promise<unknown[]> | unknown[]): Promise<void> {
  let first = true;
  await put(res, "[");
  for await (const page of pages) {
    for (const item of await pick(page)) {
      await put(res, (first ? "" : ",") + JSON.stringify(item));
      first = false;
    }
  }
  await put(res, "]");
}

async function* notifications(ctx: GatewayContext, auth: AuthMeta): AsyncGenerator<ResultOf<"notify.list">> {
  let cursor: string | undefined;
  for (;;) {
    const page = await callAs(ctx, auth, "notify.list", { limit: 200, cursor });
    yield page;
    if (!page.nextCursor) return;
    cursor = page.nextCursor;
  }
}

async function* comments(ctx: GatewayContext, auth: AuthMeta): AsyncGenerator<ResultOf<"tasks.exportComments">> {
  let after: string | undefined;
  for (;;) {
    const page = await callAs(ctx, auth, "tasks.exportComments", { after, limit: PAGE });
    yield page;
    if (!page.next) return;
    after = page.next;
  }
}

/** Once streaming, an error can only cut the answer short: the client sees a truncated download, never a wrong one. */
async function streaming(res: Response, work: () => Promise<void>): Promise<void> {
  try {
    await work();
    res.end();
  } catch {
    res.destroy();
  }
}

export function exportRoutes(ctx: GatewayContext): RouteDef[] {
  return [
    route({
      method: "get", path: "/me/export", tag, auth: true, raw: true,
      summary: "Everything of the caller's, as one JSON download, streamed",
      description: [
        "`{user, tasks, projects, completions, comments, notifications}`: the caller's profile, every task and project they can see",
        "(their own and their projects'), the completions of those tasks, the comments on the tasks they own and those they wrote anywhere",
        "(`{id, taskId, authorId, text, mentions, createdAt, updatedAt, version}`, oldest first), and their notifications. Written while read, in constant memory;",
        "a failure midway cuts the download short (invalid JSON), never answers a partial one as complete. A change made during the export",
        "may show a task twice (the later copy is newer). Sessions only: no personal access token scope covers it.",
      ].join(" "),
      responses: { 200: { description: "The export", schema: z.object({}).loose() }, ...problemResponses(401, 403) },
      handle: async ({ auth, res }) => {
        const row = await ctx.users.findById(auth.userId);
        if (!row) throw new UnauthorizedError("account no longer exists");
        res.status(200).type("application/json").setHeader("Content-Disposition", 'attachment; filename="todogenie-export.json"');
        const projects = new Map<string, unknown>();
        await streaming(res, async () => {
          await put(res, `{"user":${JSON.stringify(toUserDto(row))},"tasks":`);
          await putArray(res, everything(ctx, auth), (page) => {
            for (const p of page.projects) projects.set(p.id, p);
            return page.tasks;
          });
          await put(res, `,"projects":${JSON.stringify([...projects.values()])},"completions":`);
          await putArray(res, everything(ctx, auth), async (page) =>
            page.tasks.length ? (await callAs(ctx, auth, "tasks.completionsOf", { taskIds: page.tasks.map((t) => t.id) })).items : [],
          );
          await put(res, `,"comments":`);
          await putArray(res, comments(ctx, auth), (page) => page.items);
          await put(res, `,"notifications":`);
          await putArray(res, notifications(ctx, auth), (page) => page.items);
          await put(res, "}");
        });
        return { status: 200 };
      },
    }),
    route({
      method: "get", path: "/me/export.ics", tag, auth: true, raw: true,
      summary: "The caller's tasks as iCalendar: one VTODO per task they can see, streamed",
      description:
        "RFC 5545 VTODO with UID (the task id), SUMMARY, DESCRIPTION, DUE, DTSTART, PRIORITY (urgent 1, high 3, medium 5, low 9), STATUS, " +
        "COMPLETED, CATEGORIES (tags), RRULE and EXDATE (a recurring task's DTSTART/DUE in its IANA zone as TZID), and a VALARM per reminder.",
      responses: { 200: { description: "A calendar", contentType: "text/calendar", schema: z.string() }, ...problemResponses(401, 403) },
      handle: async ({ auth, res }) => {
        const stamp = ctx.clock.now();
        res.status(200).type("text/calendar; charset=utf-8").setHeader("Content-Disposition", 'attachment; filename="todogenie-tasks.ics"');
        await streaming(res, async () => {
          await put(res, ICS_HEADER);
          for await (const page of everything(ctx, auth)) for (const task of page.tasks) await put(res, vtodo(task, stamp));
          await put(res, ICS_FOOTER);
        });
        return { status: 200 };
      },
    }),
  ];
}

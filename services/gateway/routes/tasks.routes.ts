import { z } from "zod";
import {
  completionSchema,
  instant,
  reminderInput,
  reminderSchema,
  listTasksQuery,
  TaskDto,
  taskListResponseSchema,
  taskSchema,
  updateTaskInput,
} from "../../../libs/contracts";
import { PreconditionFailedError } from "../../../libs/errors";
import { IDEMPOTENCY_HEADER, idempotencyKeyOf } from "../http/idempotency";
import { idParams, route, RouteDef } from "../http/route";
import { callAs, GatewayContext } from "./context";
import { problemResponse, problemResponses } from "./problems";
import { parseTaskInput, quickAddSchema } from "../../../libs/contracts/quick-add";
import { createTaskBody, createTaskBodyDoc, localeOf, quickAdd, taskFromPhrase } from "./quick-add";
import { QUICK_ADD_GRAMMAR } from "./quick-add-doc";

const tag = "tasks";
const etag = (task: Pick<TaskDto, "version">) => ({ ETag: `"${task.version}"` });

/** `If-Match: "3"` → 3. `*` matches any existing task. Anything else can never match. */
export function parseIfMatch(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === "*") return undefined;
  const match = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(header);
  if (!match) throw new PreconditionFailedError(`If-Match ${header} matches no version`);
  return Number(match[1]);
}


const completeInput = z
  .strictObject({
    occurrenceAt: instant.optional().meta({ description: "the occurrence being completed; a retry naming it again records nothing new" }),
    children: z
      .enum(["complete", "refuse"])
      .optional()
      .meta({ description: "with open subtasks: complete them too, or refuse (409); without a choice, open subtasks answer 409" }),
  })
  .optional()
  .meta({ id: "Complete" });

const reminderParams = z.strictObject({ id: z.uuid(), reminderId: z.uuid() });
const deleteQuery = z.strictObject({
  children: z.literal("delete").optional().meta({ description: "delete its subtasks too (their reminders never fire); a task with subtasks and no choice answers 409" }),
});
const occurrencesQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(100).default(10) });

const ifMatchHeader = { name: "If-Match", description: 'The task version the change is based on, as its ETag ("3"); 412 if it moved on' };

export function taskRoutes(ctx: GatewayContext): RouteDef[] {
  return [
    route({
      method: "post", path: "/tasks", tag, auth: true,
      summary: "Create a task, from its fields or from a phrase (quickAdd)",
      description:
        "With `quickAdd` the task is made from the phrase as POST /tasks/parse reads it; any task field given beside it wins over " +
        "the phrase's (tags, reminders and recurrence are replaced, not merged; `projectId` given also decides whose members an @name " +
        "may be, and a +Project in the phrase is then ignored). A phrase that leaves no title, and no `title` given, answers 422 at " +
        "body.quickAdd. Names that resolve to nothing are left out, as in the parse. An Idempotency-Key covers the task the phrase " +
        "was read into: a retry returns the first task, unless the phrase has come to read differently meanwhile (\"today\" after " +
        "midnight), which answers 422 like any changed body.",
      body: createTaskBody,
      bodyDoc: createTaskBodyDoc,
      headers: [IDEMPOTENCY_HEADER],
      responses: { 201: { description: "Created", schema: taskSchema }, ...problemResponses(401, 422) },
      handle: async ({ auth, body, header }) => {
        const input = "quickAdd" in body ? await taskFromPhrase(ctx, auth, body, header("accept-language")) : body;
        const task = await callAs(ctx, auth, "tasks.create", {
          input,
          idempotencyKey: idempotencyKeyOf(header),
        });
        return { status: 201, body: task, headers: { ...etag(task), Location: `/api/v1/tasks/${task.id}` } };
      },
    }),
    route({
      method: "post", path: "/tasks/parse", tag, auth: true,
      summary: "Read a quick-add phrase into task fields, without creating anything",
      description: QUICK_ADD_GRAMMAR,
      body: parseTaskInput,
      headers: [{ name: "Accept-Language", description: "the phrase's language when the body names no `locale` (en or de; default en)" }],
      responses: { 200: { description: "The fields, where each came from, and what was unclear", schema: quickAddSchema }, ...problemResponses(401, 422) },
      handle: async ({ auth, body, header }) => ({ status: 200, body: await quickAdd(ctx, auth, body.text, localeOf(body.locale, header("accept-language"))) }),
    }),
    route({
      method: "get", path: "/tasks", tag, auth: true,
      summary: "List, filter, sort and search the caller's tasks",
      query: listTasksQuery,
      responses: {
        200: { description: "A page of tasks (with q: search hits with highlights); with facets, the counts", schema: taskListResponseSchema },
        ...problemResponses(401, 422),
      },
      // Lists are SQL on the tasks service; text goes to the search service, which answers
      // from its own copy of the documents (current within the event relay's lag).
      // Either service's page passes through as the JSON text it wrote (issue 14).
      handle: async ({ auth, query }) => ({
        status: 200,
        json: (query.q ? await callAs(ctx, auth, "search.tasksJson", { ...query, q: query.q }) : await callAs(ctx, auth, "tasks.listJson", query)).json,
      }),
    }),
    route({
      method: "get", path: "/tasks/:id", tag, auth: true,
      summary: "One task",
      params: idParams,
      responses: { 200: { description: "The task", schema: taskSchema }, ...problemResponses(401, 404, 422) },
      handle: async ({ auth, params }) => {
        const { json, version } = await callAs(ctx, auth, "tasks.getJson", { id: params.id });
        return { status: 200, json, headers: etag({ version }) };
      },
    }),
    route({
      method: "patch", path: "/tasks/:id", tag, auth: true,
      summary: "Change some fields of a task; moving it out of its project takes its owner or the project's owner",
      params: idParams,
      body: updateTaskInput,
      headers: [ifMatchHeader],
      responses: {
        200: { description: "The task", schema: taskSchema },
        ...problemResponses(401, 404, 412, 422),
        ...problemResponse(409, 'status "done" while subtasks are open: complete it with POST /tasks/{id}/complete {"children": "complete"}'),
        ...problemResponse(
          403,
          "A viewer changing the task; or a move the caller may not make: into a project they do not edit, or out of its " +
            "project (into another one, or to private) by anyone but the task's owner or the project's owner (only the task's owner makes it private)",
        ),
      },
      handle: async ({ auth, params, body, header }) => {
        const task = await callAs(ctx, auth, "tasks.update", {
          id: params.id,
          patch: body,
          expectedVersion: parseIfMatch(header("if-match")),
        });
        return { status: 200, body: task, headers: etag(task) };
      },
    }),
    route({
      method: "delete", path: "/tasks/:id", tag, auth: true,
      summary: "Delete a task; its reminders never fire afterwards",
      params: idParams,
      query: deleteQuery,
      headers: [ifMatchHeader],
      responses: {
        204: { description: "Deleted" },
        ...problemResponses(401, 403, 404, 412, 422),
        ...problemResponse(409, "The task has subtasks and the request did not say children=delete"),
      },
      handle: async ({ auth, params, query, header }) => {
        await callAs(ctx, auth, "tasks.remove", { id: params.id, expectedVersion: parseIfMatch(header("if-match")), children: query.children });
        return { status: 204 };
      },
    }),
    route({
      method: "post", path: "/tasks/:id/complete", tag, auth: true,
      summary: "Complete a task (a repeated request records one completion)",
      params: idParams,
      body: completeInput,
      responses: {
        200: { description: "Completed", schema: z.object({ task: taskSchema, completion: completionSchema }) },
        ...problemResponses(401, 403, 404, 422),
        ...problemResponse(409, 'The task has open subtasks and the request did not say children: "complete"'),
      },
      handle: async ({ auth, params, body }) => {
        const result = await callAs(ctx, auth, "tasks.complete", { id: params.id, occurrenceAt: body?.occurrenceAt, children: body?.children });
        return { status: 200, body: result, headers: etag(result.task) };
      },
    }),
    route({
      method: "get", path: "/tasks/:id/completions", tag, auth: true,
      summary: "A task's completion history, newest first",
      params: idParams,
      responses: {
        200: { description: "Completions", schema: z.object({ items: z.array(completionSchema) }) },
        ...problemResponses(401, 404, 422),
      },
      handle: async ({ auth, params }) => ({ status: 200, body: await callAs(ctx, auth, "tasks.completions", { id: params.id }) }),
    }),
    route({
      method: "get", path: "/tasks/:id/occurrences", tag, auth: true,
      summary: "Upcoming occurrences from the current due date on",
      params: idParams,
      query: occurrencesQuery,
      responses: { 200: { description: "Instants", schema: z.object({ items: z.array(instant) }) }, ...problemResponses(401, 404, 422) },
      handle: async ({ auth, params, query }) => ({
        status: 200,
        body: await callAs(ctx, auth, "tasks.occurrences", { id: params.id, limit: query.limit }),
      }),
    }),
    route({
      method: "post", path: "/tasks/:id/reminders", tag, auth: true,
      summary: "Add a reminder to a task",
      params: idParams,
      body: reminderInput,
      headers: [IDEMPOTENCY_HEADER],
      responses: { 201: { description: "The reminder", schema: reminderSchema }, ...problemResponses(401, 403, 404, 422) },
      handle: async ({ auth, params, body, header }) => ({
        status: 201,
        body: await callAs(ctx, auth, "tasks.addReminder", { id: params.id, input: body, idempotencyKey: idempotencyKeyOf(header) }),
      }),
    }),
    route({
      method: "delete", path: "/tasks/:id/reminders/:reminderId", tag, auth: true,
      summary: "Remove a reminder; it never fires afterwards",
      params: reminderParams,
      responses: { 204: { description: "Removed" }, ...problemResponses(401, 403, 404, 422) },
      handle: async ({ auth, params }) => {
        await callAs(ctx, auth, "tasks.removeReminder", { id: params.id, reminderId: params.reminderId });
        return { status: 204 };
      },
    }),
  ];
}

import { z } from "zod";
import type { RouteDef } from "./route";

type JsonSchema = Record<string, unknown>;

/** Named schemas (`.meta({ id })`) shared by every route, as OpenAPI components. */
class Components {
  readonly schemas: Record<string, JsonSchema> = {};

  /** A route's schema with its named parts hoisted into components and referenced from there. */
  add(schema: z.ZodType, io: "input" | "output"): JsonSchema {
    const generated = z.toJSONSchema(schema, { io, unrepresentable: "any", target: "draft-2020-12" }) as JsonSchema;
    const { $schema: _ignored, $defs = {}, ...rest } = generated as JsonSchema & { $defs?: Record<string, JsonSchema> };
    const names = new Map<string, string>();
    for (const [id, def] of Object.entries($defs)) {
      const text = JSON.stringify(def);
      let name = id;
      // The same id may read differently as input (defaults optional) and output.
      if (this.schemas[name] && JSON.stringify(this.schemas[name]) !== text) name = `${id}${io === "input" ? "Input" : "Output"}`;
      names.set(id, name);
    }
    const relink = (value: JsonSchema) =>
      JSON.parse(JSON.stringify(value).replace(/"#\/\$defs\/([^"]+)"/g, (_m, id: string) => JSON.stringify(`#/components/schemas/${names.get(id) ?? id}`)));
    for (const [id, def] of Object.entries($defs)) this.schemas[names.get(id)!] = relink(def);
    return relink(rest);
  }
}

function parameters(components: Components, where: "query" | "path", schema: z.ZodType | undefined) {
  if (!schema) return [];
  const s = components.add(schema, "input") as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(s.properties ?? {}).map(([name, prop]) => ({
    name,
    in: where,
    required: where === "path" || (s.required ?? []).includes(name),
    schema: prop,
    ...(prop.description ? { description: prop.description } : {}),
  }));
}

const API_DESCRIPTION = [
  "Tasks, search, recurring reminders and notifications.",
  "",
  "Bad input is always a 4xx problem+json and changes nothing: a body over 1 MB answers 413; a `Content-Encoding`",
  "other than gzip, deflate or identity answers 415, and a body that does not decode as its declared encoding 400;",
  "a string anywhere in a body, query or path holding U+0000 or an unpaired UTF-16 surrogate answers 422;",
  "instants must fall within the years 0001-9999 (422); every list cursor is signed and a forged or altered one answers 422.",
  "The Bearer token is a session's access token (JWT) or a personal access token (`tg_pat_...`, tag `tokens`), which reaches only the routes its scopes cover (403 otherwise).",
  "Every `/api/v1` answer carries `X-Content-Type-Options: nosniff` and `Cache-Control: no-store`; a 401 carries `WWW-Authenticate: Bearer`.",
  "One account's requests take turns on each gateway (distributed mode): `REQUESTS_IN_FLIGHT_PER_USER` (default 8) at once, up to",
  "`REQUESTS_QUEUED_PER_USER` (default 200) more waiting in arrival order; one more answers 429 problem+json with `Retry-After: 1`.",
  "Event streams and exports are not counted.",
  "",
  "Subtasks: `parentId` nests tasks at most 5 levels deep (a top-level task and four levels below it); a subtask lives in its",
  "parent's project (private: the same owner), and moving a parent to another project moves its subtree (403 if any task of it",
  "may not move). A subtask alone cannot leave its parent's project (422: detach it with `parentId: null`). A new subtask goes after",
  "its siblings; `position` reorders them (children lists sort by it unless `sort` says otherwise). `PATCH {status: \"done\"}` with",
  "open subtasks answers 409, like `complete` without a choice; `complete {children: \"complete\"}` completes the whole open subtree.",
  "A parent or blocker the caller cannot see answers 422, the same as one that does not exist (nothing leaks), except a blocker",
  "the task already waits for: it may stay when the list is sent back.",
  "Dependencies: `blockedBy` may name tasks of any project the caller can see (at most 50); `blocked` is true while one is not done;",
  "a deleted blocker drops out of the list. A recurring blocker advances instead of becoming done: completing one of its",
  "occurrences satisfies the dependency, so it drops out of the list too (recorded in the history). Completing the last open",
  "blocker notifies the blocked task's assignee, else its owner",
  "(`kind: \"unblocked\"`, on the stream and over WhatsApp per their settings); reopening a blocker blocks again without a notification.",
  "`parentId`, `topLevel` and `blocked` combine with `q` like every filter; `sort=position` with `q` answers 422.",
  "History: every change is recorded in its transaction, with `actorId`, each tracked field from → to, and kept",
  "`HISTORY_RETENTION_DAYS` (default 365). A deleted task's entries stay in its project's history.",
  "Comments: anyone who may read a task comments on it, viewers included; `@Name` or `@email` of a member who may read the task",
  "mentions them (`kind: \"mention\"` notification; an edit notifies only newly mentioned members). Authors edit (If-Match) and",
  "delete their own; the project's owner deletes any. Comment text is searchable (`GET /tasks?q=`) by whoever may read the task:",
  "matching comments come back in `highlights.comments` (an excerpt and its ranges, at most 3 per hit).",
].join("\n");

/** The OpenAPI 3.1 document, built from the very schemas that validate requests. */
export function buildOpenApi(routes: RouteDef[], basePath: string, version: string, tags: { name: string; description: string }[] = []): object {
  const paths: Record<string, Record<string, unknown>> = {};
  const components = new Components();
  for (const r of routes) {
    const path = basePath + r.path.replace(/:(\w+)/g, "{$1}");
    const responses = Object.fromEntries(
      Object.entries(r.responses).map(([status, res]) => [
        status,
        {
          description: res.description,
          ...(res.schema ? { content: { [res.contentType ?? "application/json"]: { schema: components.add(res.schema, "output") } } } : {}),
        },
      ]),
    );
    paths[path] ??= {};
    paths[path][r.method] = {
      summary: r.summary,
      ...(r.description ? { description: r.description } : {}),
      tags: [r.tag],
      operationId: `${r.method}${r.path.replace(/[/:](\w)/g, (_m, c: string) => c.toUpperCase()).replace(/\W/g, "")}`,
      ...(r.auth === true ? {} : { security: [] }),
      parameters: [
        ...parameters(components, "path", r.params),
        ...parameters(components, "query", r.query),
        ...(r.headers ?? []).map((h) => ({ name: h.name, in: "header", required: false, description: h.description, schema: { type: "string" } })),
      ],
      ...(r.body ? { requestBody: { required: true, content: { "application/json": { schema: components.add(r.bodyDoc ?? r.body, "input") } } } } : {}),
      ...(r.multipart ? { requestBody: { required: true, content: { "multipart/form-data": { schema: components.add(r.multipart, "input") } } } } : {}),
      responses,
    };
  }
  return {
    openapi: "3.1.0",
    info: { title: "Todogenie API", version, description: API_DESCRIPTION },
    servers: [{ url: "/" }],
    components: { schemas: components.schemas, securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" } } },
    security: [{ bearer: [] }],
    ...(tags.length ? { tags } : {}),
    paths,
  };
}

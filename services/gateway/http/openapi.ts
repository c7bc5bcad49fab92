import { z } from "zod";
import type { RouteDef } from "./route";

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: "input" | "output"): JsonSchema {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any", target: "draft-2020-12" }) as JsonSchema;
  return rest;
}

function parameters(where: "query" | "path", schema: z.ZodType | undefined) {
  if (!schema) return [];
  const s = jsonSchema(schema, "input") as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(s.properties ?? {}).map(([name, prop]) => ({
    name,
    in: where,
    required: where === "path" || (s.required ?? []).includes(name),
    schema: prop,
    ...(prop.description ? { description: prop.description } : {}),
  }));
}

/** The OpenAPI 3.1 document, built from the very schemas that validate requests. */
export function buildOpenApi(routes: RouteDef[], basePath: string, version: string): object {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = basePath + r.path.replace(/:(\w+)/g, "{$1}");
    const responses = Object.fromEntries(
      Object.entries(r.responses).map(([status, res]) => [
        status,
        {
          description: res.description,
          ...(res.schema ? { content: { [res.contentType ?? "application/json"]: { schema: jsonSchema(res.schema, "output") } } } : {}),
        },
      ]),
    );
    paths[path] ??= {};
    paths[path][r.method] = {
      summary: r.summary,
      tags: [r.tag],
      operationId: `${r.method}${r.path.replace(/[/:](\w)/g, (_m, c: string) => c.toUpperCase()).replace(/\W/g, "")}`,
      ...(r.auth ? {} : { security: [] }),
      parameters: [
        ...parameters("path", r.params),
        ...parameters("query", r.query),
        ...(r.headers ?? []).map((h) => ({ name: h.name, in: "header", required: false, description: h.description, schema: { type: "string" } })),
      ],
      ...(r.body ? { requestBody: { required: true, content: { "application/json": { schema: jsonSchema(r.body, "input") } } } } : {}),
      responses,
    };
  }
  return {
    openapi: "3.1.0",
    info: { title: "Todogenie API", version, description: "Tasks, search, recurring reminders and notifications." },
    servers: [{ url: "/" }],
    components: { securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" } } },
    security: [{ bearer: [] }],
    paths,
  };
}

import { historyPageSchema } from "../../../libs/contracts";
import { idParams, pageQuery, route, RouteDef } from "../http/route";
import { callAs, GatewayContext } from "./context";
import { problemResponses } from "./problems";

const tag = "history";

/** History (issue 17): every change of a task, and of a project's tasks and members, newest first. */
export function historyRoutes(ctx: GatewayContext): RouteDef[] {
  return [
    route({
      method: "get", path: "/tasks/:id/history", tag, auth: true,
      summary: "A task's history, newest first: who changed what when (each field from → to), completions, moves, comments; kept HISTORY_RETENTION_DAYS",
      params: idParams,
      query: pageQuery,
      responses: { 200: { description: "A page of entries", schema: historyPageSchema }, ...problemResponses(401, 404, 422) },
      handle: async ({ auth, params, query }) => ({
        status: 200,
        body: await callAs(ctx, auth, "tasks.history", { id: params.id, limit: query.limit, cursor: query.cursor }),
      }),
    }),
    route({
      method: "get", path: "/projects/:id/history", tag, auth: true,
      summary: "A project's history, newest first: its tasks' changes (deleted tasks' too) and its membership changes; members only",
      params: idParams,
      query: pageQuery,
      responses: { 200: { description: "A page of entries", schema: historyPageSchema }, ...problemResponses(401, 404, 422) },
      handle: async ({ auth, params, query }) => ({
        status: 200,
        body: await callAs(ctx, auth, "tasks.projectHistory", { id: params.id, limit: query.limit, cursor: query.cursor }),
      }),
    }),
  ];
}

import { historyPageSchema } from "../../../libs/contracts";
import type { RouteDef } from "../http/route";
import type { GatewayContext } from "./context";
import { pagedReadRoute } from "./paged-read";

const tag = "history";
const page = { description: "A page of entries", schema: historyPageSchema };

/** History (issue 17): every change of a task, and of a project's tasks and members, newest first. */
export function historyRoutes(ctx: GatewayContext): RouteDef[] {
  return [
    pagedReadRoute(ctx, {
      path: "/tasks/:id/history", tag, action: "tasks.history", page, problems: [401, 404, 422],
      summary: "A task's history, newest first: who changed what when (each field from → to), completions, moves, comments; kept HISTORY_RETENTION_DAYS",
    }),
    pagedReadRoute(ctx, {
      path: "/projects/:id/history", tag, action: "tasks.projectHistory", page, problems: [401, 404, 422],
      summary: "A project's history, newest first: its tasks' changes (deleted tasks' too) and its membership changes; members only",
    }),
  ];
}

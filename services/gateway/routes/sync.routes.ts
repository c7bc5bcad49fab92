import { syncPageSchema, syncQuery } from "../../../libs/contracts";
import { route, RouteDef } from "../http/route";
import { callAs, GatewayContext } from "./context";
import { problemResponse, problemResponses } from "./problems";

export function syncRoutes(ctx: GatewayContext): RouteDef[] {
  return [
    route({
      method: "get", path: "/sync", tag: "sync", auth: true,
      summary: "Delta sync: what the caller can see that changed after `since`, in pages",
      description: [
        "Without `since`: everything the caller can see (their private tasks, their projects and those projects' tasks).",
        "With it: what changed after it; `deleted` lists tasks deleted or moved out of the caller's sight and projects they left",
        "(a project left brings each of its tasks under `deleted` too), and a project joined brings all its tasks.",
        "Apply `deleted` before `tasks` and `projects` of the same page. Keep calling with `nextToken` while `hasMore`;",
        "then store `nextToken` for next time. A `deleted` entry may name something the client never had: ignore it.",
        "Tokens are signed for their user (another's, or an altered one, answers 422).",
      ].join(" "),
      query: syncQuery,
      responses: {
        200: { description: "A page of changes", schema: syncPageSchema },
        ...problemResponses(401, 403, 422),
        ...problemResponse(410, "The token is older than 30 days: sync again without `since`"),
      },
      handle: async ({ auth, query }) => ({ status: 200, body: await callAs(ctx, auth, "tasks.sync", query) }),
    }),
  ];
}

import type { z } from "zod";
import type { ActionName, ParamsOf } from "../../../libs/contracts";
import { idParams, pageQuery, route, RouteDef } from "../http/route";
import { callAs, GatewayContext } from "./context";
import { problemResponses } from "./problems";

/** The bus actions that answer one page of something under an id: `{id, limit, cursor?}`. */
type PagedAction = { [A in ActionName]: { id: string; limit: number; cursor?: string } extends ParamsOf<A> ? A : never }[ActionName];

export interface PagedReadDef<A extends PagedAction> {
  path: `/${string}/:id/${string}`;
  tag: string;
  summary: string;
  description?: string;
  action: A;
  /** The 200 answer: `{items, nextCursor}`. */
  page: { description: string; schema: z.ZodType };
  problems: number[];
}

/** `GET /<things>/:id/<list>?limit&cursor`: a cursor page read through one bus action as the caller. */
export function pagedReadRoute<A extends PagedAction>(ctx: GatewayContext, def: PagedReadDef<A>): RouteDef {
  return route({
    method: "get", path: def.path, tag: def.tag, auth: true,
    summary: def.summary,
    ...(def.description ? { description: def.description } : {}),
    params: idParams,
    query: pageQuery,
    responses: { 200: def.page, ...problemResponses(...def.problems) },
    handle: async ({ auth, params, query }) => ({
      status: 200,
      body: await callAs(ctx, auth, def.action, { id: params.id, limit: query.limit, cursor: query.cursor } as ParamsOf<A>),
    }),
  });
}

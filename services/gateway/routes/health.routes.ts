import { z } from "zod";
import { call } from "../../../libs/broker/bus";
import { processProbes, runProbes } from "../../../libs/health";
import { route, RouteDef } from "../http/route";
import type { GatewayContext } from "./context";

const tag = "operations";
const readySchema = z.object({ status: z.enum(["ready", "unready"]), checks: z.record(z.string(), z.string()) });

/** Readiness here: this process's own checks (database, broker, not draining, outboxes publishing) and the services behind the API. */
const DEPENDENCIES = ["tasks", "search", "scheduler", "notify"] as const;

export function healthRoutes(ctx: GatewayContext): RouteDef[] {
  return [
    route({
      method: "get", path: "/health/live", tag, auth: false,
      summary: "The process is up",
      responses: { 200: { description: "Alive", schema: z.object({ status: z.literal("live") }) } },
      handle: () => ({ status: 200, body: { status: "live" } }),
    }),
    route({
      method: "get", path: "/health/ready", tag, auth: false,
      summary: "The database, the broker and the services answer",
      responses: { 200: { description: "Ready", schema: readySchema }, 503: { description: "Not ready", schema: readySchema } },
      handle: async () => {
        const { ok, checks } = await runProbes({
          ...processProbes(ctx),
          ...Object.fromEntries(DEPENDENCIES.map((svc) => [svc, () => call(ctx.broker, `${svc}.health`, {}, { timeout: 2_000 })])),
        });
        return { status: ok ? 200 : 503, body: { status: ok ? "ready" : "unready", checks } };
      },
    }),
  ];
}

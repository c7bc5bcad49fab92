import { z } from "zod";
import { ping } from "../../../libs/db";
import { route, RouteDef } from "../http/route";
import type { GatewayContext } from "./context";

const tag = "operations";
const readySchema = z.object({ status: z.enum(["ready", "unready"]), checks: z.record(z.string(), z.string()) });

/** What readiness needs to answer: this gateway's database, the broker, and the services behind the API. */
const DEPENDENCIES = ["tasks", "search"] as const;

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
        const checks: Record<string, string> = {};
        const probe = async (name: string, check: () => Promise<unknown>) => {
          try {
            await check();
            checks[name] = "ok";
          } catch (err) {
            checks[name] = err instanceof Error ? err.message : String(err);
          }
        };
        const transit = ctx.broker.transit;
        await Promise.all([
          probe("database", () => ping(ctx.db)),
          probe("broker", async () => {
            if (transit && !transit.connected) throw new Error("not connected to NATS");
          }),
          ...DEPENDENCIES.map((svc) => probe(svc, () => ctx.broker.call(`${svc}.health`, {}, { timeout: 2_000 }))),
        ]);
        if (ctx.isDraining()) checks.shutdown = "draining";
        const ok = Object.values(checks).every((v) => v === "ok");
        return { status: ok ? 200 : 503, body: { status: ok ? "ready" : "unready", checks } };
      },
    }),
  ];
}

import { z } from "zod";
import { call } from "../../../libs/broker/bus";
import { UnauthorizedError } from "../../../libs/errors";
import { route, RouteDef } from "../http/route";
import type { GatewayContext } from "./context";
import { problemResponses } from "./problems";

const tag = "webhooks";

/** Meta's WhatsApp webhook: the handshake and the signed callbacks, both handled by notify. */
export function webhookRoutes(ctx: GatewayContext): RouteDef[] {
  return [
    route({
      method: "get", path: "/webhooks/whatsapp", tag, auth: false, raw: true,
      summary: "Meta's verification handshake: answers hub.challenge when hub.verify_token matches",
      // Meta's parameters, not ours: unknown ones are tolerated.
      query: z.object({ "hub.mode": z.string().optional(), "hub.verify_token": z.string().optional(), "hub.challenge": z.string().optional() }),
      responses: { 200: { description: "The challenge", contentType: "text/plain", schema: z.string() }, 403: { description: "Forbidden" } },
      handle: async ({ query, res }) => {
        const answer = await call(ctx.broker, "notify.webhookHandshake", { query });
        res.status(answer.status).type("text/plain").send(answer.body);
        return { status: answer.status };
      },
    }),
    route({
      method: "post", path: "/webhooks/whatsapp", tag, auth: false,
      summary: "Status callbacks and inbound messages, signed with X-Hub-Signature-256",
      body: z.unknown(),
      headers: [{ name: "X-Hub-Signature-256", description: "sha256=<HMAC-SHA256 of the raw body with the app secret>" }],
      responses: { 200: { description: "Applied", schema: z.object({ received: z.boolean() }) }, ...problemResponses(401) },
      handle: async ({ req, header }) => {
        const raw = (req as { rawBody?: Buffer }).rawBody;
        if (!raw) throw new UnauthorizedError("webhook signature rejected (no body)");
        await call(ctx.broker, "notify.webhook", { rawBody: raw.toString("base64"), signature: header("x-hub-signature-256") });
        return { status: 200, body: { received: true } };
      },
    }),
  ];
}

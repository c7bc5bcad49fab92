import { randomUUID } from "node:crypto";
import { z } from "zod";
import { USER_CHANNELS } from "../../../libs/contracts";
import { ForbiddenError, UnauthorizedError } from "../../../libs/errors";
import { enqueue } from "../../../libs/outbox";
import { verifyPassword } from "../auth/passwords";
import { AUTH_SCHEMA } from "../migrations";
import { route, RouteDef } from "../http/route";
import { callersChanged, type GatewayContext } from "./context";
import { problemResponses } from "./problems";

const deleteMeInput = z.strictObject({ password: z.string().min(1).max(1000) }).meta({ id: "DeleteAccount" });

export function accountRoutes(ctx: GatewayContext, kickRelay: () => void): RouteDef[] {
  return [
    route({
      method: "delete", path: "/me", tag: "users", auth: true,
      summary: "Erase the caller's account and everything it owns, everywhere, after confirming the password",
      description: [
        "The account goes at once with its sessions, personal access tokens and phone (every later request with them answers 401).",
        "A durable `user.deleted` event then erases the rest in each service: every task the user owns (in any project), the projects",
        "they own with all their tasks (their members lose them), their memberships elsewhere (their assignments there end), and with",
        "those tasks their reminders and search documents; their notifications and WhatsApp number. Their comments on others' tasks are",
        "deleted and their mentions removed from others' comments; history keeps what happened to others' tasks but not who did it: the",
        "entries of their own tasks and projects are deleted, elsewhere their id becomes null (as actor, as the member concerned, and in",
        "recorded changes such as an assignee) and the text of their comment edits is removed; their imports and import keys are deleted. A wrong password answers 403 and",
        "changes nothing. Sessions only: no personal access token scope covers it.",
      ].join(" "),
      body: deleteMeInput,
      responses: { 204: { description: "Erased" }, ...problemResponses(401, 403, 422) },
      handle: async ({ auth, body }) => {
        const row = await ctx.users.findById(auth.userId);
        if (!row) throw new UnauthorizedError("account no longer exists");
        if (!(await verifyPassword(body.password, row.password_hash))) throw new ForbiddenError("wrong password");
        await ctx.db.transaction(async (trx) => {
          // Sessions, tokens and phone codes go with the row (foreign keys cascade).
          await trx(`${AUTH_SCHEMA}.users`).where({ id: row.id }).delete();
          await enqueue(trx, AUTH_SCHEMA, USER_CHANNELS.deleted, { key: randomUUID(), userId: row.id, occurredAt: ctx.clock.now().toISOString() }, ctx.clock);
        });
        kickRelay();
        callersChanged(ctx, row.id);
        return { status: 204 };
      },
    }),
  ];
}

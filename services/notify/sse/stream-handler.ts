import type { IncomingMessage, ServerResponse } from "node:http";
import jwt from "jsonwebtoken";
import { isAccessClaims, JWT_ALGORITHM, JWT_AUDIENCE, JWT_ISSUER } from "../../../libs/contracts";
import type { StreamHandler } from "../../../libs/contracts/streams";
import { PROBLEM_CONTENT_TYPE } from "../../../libs/errors/problem";
import type { NotificationStore } from "../notification-store";
import type { SseHub } from "./sse-hub";
import type { StreamTickets } from "./tickets";

export interface StreamDeps {
  hub: SseHub;
  store: NotificationStore;
  tickets: StreamTickets;
  jwtSecret: string;
  /** notify.contacts: a disabled account's access token opens no stream (its tickets are refused in `tickets`). */
  isDisabled: (userId: string) => Promise<boolean>;
  onError: (err: unknown) => void;
}

function unauthorized(res: ServerResponse, detail: string): void {
  res.writeHead(401, { "content-type": PROBLEM_CONTENT_TYPE, "www-authenticate": "Bearer" });
  res.end(JSON.stringify({ type: "https://todogenie.dev/problems/unauthorized", title: "Unauthorized", status: 401, detail, errors: [] }));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function invalidLastEventId(res: ServerResponse): void {
  res.writeHead(422, { "content-type": PROBLEM_CONTENT_TYPE, "cache-control": "no-store" });
  res.end(
    JSON.stringify({
      type: "https://todogenie.dev/problems/validation",
      title: "Validation failed",
      status: 422,
      detail: "Invalid headers",
      errors: [{ path: "header.Last-Event-ID", message: "must be a notification id (UUID)" }],
    }),
  );
}

/** The caller of a stream request: a single-use ticket, or a Bearer access token verified here. */
async function identify(req: IncomingMessage, url: URL, deps: StreamDeps): Promise<string | undefined> {
  const ticket = url.searchParams.get("ticket");
  if (ticket) return deps.tickets.redeem(ticket);
  const header = req.headers.authorization;
  if (!header?.startsWith("Bearer ")) return undefined;
  try {
    const claims = jwt.verify(header.slice(7), deps.jwtSecret, { algorithms: [JWT_ALGORITHM], issuer: JWT_ISSUER, audience: JWT_AUDIENCE });
    const userId = isAccessClaims(claims) ? claims.sub : undefined;
    return userId && !(await deps.isDisabled(userId)) ? userId : undefined;
  } catch {
    return undefined;
  }
}

/**
 * GET /api/v1/notifications/stream: replays what a reconnecting client missed after its
 * Last-Event-ID, then streams live notifications.
 */
export function createStreamHandler(deps: StreamDeps): StreamHandler {
  return async (req, res) => {
    try {
      const url = new URL(req.url ?? "/", "http://stream.local");
      const userId = await identify(req, url, deps);
      if (!userId) return unauthorized(res, "a stream needs a valid ticket or Bearer access token");
      const lastEventId = (req.headers["last-event-id"] as string | undefined) ?? url.searchParams.get("lastEventId") ?? undefined;
      // Reached directly (distributed mode) the gateway's checks did not run: the same rule here.
      if (lastEventId !== undefined && !UUID.test(lastEventId)) return invalidLastEventId(res);
      const written = await deps.hub.open(userId, res, () => deps.store.since(userId, lastEventId));
      await deps.store.markStreamed(written);
    } catch (err) {
      deps.onError(err);
      if (!res.headersSent) res.writeHead(500).end();
      else res.end();
    }
  };
}

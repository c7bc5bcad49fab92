/**
 * What a personal access token may reach: every route a token can call, with the one scope
 * it needs. A route missing here is out of every token's reach (deny by default), which
 * keeps account-level routes (tokens themselves, password, profile, admin) for signed-in
 * sessions only, and makes a route added later unreachable by tokens until it is listed.
 */
export const PAT_SCOPES = [
  "tasks:read",
  "tasks:write",
  "projects:read",
  "projects:write",
  "comments:read",
  "comments:write",
  "notifications:read",
  "webhooks:write",
] as const;
export type PatScope = (typeof PAT_SCOPES)[number];

/** `METHOD path` (the Express pattern under /api/v1) → the scope it needs. */
export const ROUTE_SCOPES: Readonly<Record<string, PatScope>> = {
  "GET /tasks": "tasks:read",
  "GET /tasks/:id": "tasks:read",
  "GET /tasks/:id/completions": "tasks:read",
  "GET /tasks/:id/occurrences": "tasks:read",
  "POST /tasks": "tasks:write",
  "POST /tasks/parse": "tasks:read",
  "PATCH /tasks/:id": "tasks:write",
  "DELETE /tasks/:id": "tasks:write",
  "POST /tasks/:id/complete": "tasks:write",
  "POST /tasks/:id/reminders": "tasks:write",
  "DELETE /tasks/:id/reminders/:reminderId": "tasks:write",
  "GET /projects": "projects:read",
  "GET /projects/:id": "projects:read",
  "GET /projects/:id/members": "projects:read",
  "GET /projects/:id/invitations": "projects:read",
  "GET /invitations": "projects:read",
  "POST /projects": "projects:write",
  "PATCH /projects/:id": "projects:write",
  "DELETE /projects/:id": "projects:write",
  "POST /projects/:id/members": "projects:write",
  "PATCH /projects/:id/members/:userId": "projects:write",
  "DELETE /projects/:id/members/:userId": "projects:write",
  "DELETE /projects/:id/invitations/:invitationId": "projects:write",
  "POST /invitations/:id/accept": "projects:write",
  "POST /invitations/:id/decline": "projects:write",
  "GET /notifications": "notifications:read",
  "GET /notifications/stream": "notifications:read",
  "POST /notifications/ticket": "notifications:read",
  "POST /notifications/:id/read": "notifications:read",
  "POST /notifications/:id/snooze": "notifications:read",
  "GET /tasks/:id/comments": "comments:read",
  "POST /tasks/:id/comments": "comments:write",
  "PATCH /comments/:id": "comments:write",
  "DELETE /comments/:id": "comments:write",
  "GET /tasks/:id/history": "tasks:read",
  "GET /projects/:id/history": "projects:read",
  // Sync answers projects too, which tasks:read reveals anyway (every task names its project).
  "GET /sync": "tasks:read",
  "POST /imports": "tasks:write",
  // Reading an import's status is a read: tasks:read (tasks:write includes it).
  "GET /imports/:id": "tasks:read",
  "GET /webhooks": "webhooks:write",
  "GET /webhooks/:id": "webhooks:write",
  "POST /webhooks": "webhooks:write",
  "PATCH /webhooks/:id": "webhooks:write",
  "DELETE /webhooks/:id": "webhooks:write",
  "GET /webhooks/:id/deliveries": "webhooks:write",
  "POST /webhooks/:id/deliveries/:deliveryId/redeliver": "webhooks:write",
};

/** A `:write` scope grants the matching `:read` too (writing a task needs to see it). */
export function scopesAllow(granted: readonly string[], method: string, path: string | undefined): boolean {
  const needed = path === undefined ? undefined : ROUTE_SCOPES[`${method === "HEAD" ? "GET" : method} ${path}`];
  if (!needed) return false;
  const [kind] = needed.split(":");
  return granted.includes(needed) || (needed.endsWith(":read") && granted.includes(`${kind}:write`));
}

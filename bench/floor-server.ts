/**
 * The floor (PERFORMANCE.md, "The service floor"): what a plain Node server does for the same
 * answers as the stack. node:http, pg (pool 10), jsonwebtoken HS256 with its key made once,
 * the same SQL, JSON.stringify; no framework, no bus, no validation library. Started by
 * bench/floor.ts, which hands it the list and search statements the services build (as JSON in
 * FLOOR_SPEC), so both sides ask Postgres the same thing.
 */
import { createHash, createSecretKey } from "node:crypto";
import { createServer, ServerResponse } from "node:http";
import jwt from "jsonwebtoken";
import pg from "pg";

export interface Statement {
  text: string;
  values: unknown[];
}
export interface FloorSpec {
  port: number;
  databaseUrl: string;
  jwtSecret: string;
  /** The bench user's list page and search, each the statements the services run for it, in order. */
  list: Statement[];
  search: Statement[];
  /** Set: a value equal to it in those statements is the caller's id instead, so every user gets their own page. */
  userId?: string;
  /** Named prepared statements, as the tasks service runs its by-id and value-free list reads (libs/db/prepared.ts). */
  prepared?: boolean;
}

const spec = JSON.parse(process.env.FLOOR_SPEC ?? "{}") as FloorSpec;
const pool = new pg.Pool({ connectionString: spec.databaseUrl, max: 10 });
const key = createSecretKey(Buffer.from(spec.jwtSecret));
const PRIORITIES = ["none", "low", "medium", "high", "urgent"];
const iso = (d: Date | null) => (d ? d.toISOString() : null);
const nameOf = (text: string) => (spec.prepared ? `floor_${createHash("sha1").update(text).digest("base64url")}` : undefined);
const BY_ID = "select * from tasks.tasks where id = $1 and owner_id = $2";

/** The task as the API answers it (the same fields toTaskDto writes). */
function dto(r: Record<string, never>) {
  return {
    id: r.id, title: r.title, description: r.description, status: r.status, priority: PRIORITIES[r.priority] ?? "none",
    dueAt: iso(r.due_at), startAt: iso(r.start_at), completedAt: iso(r.completed_at), tags: r.tags, recurrence: r.recurrence,
    reminders: r.reminders, projectId: r.project_id, assigneeId: r.assignee_id, ownerId: r.owner_id,
    createdAt: iso(r.created_at), updatedAt: iso(r.updated_at), version: r.version,
  };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
}

async function runAll(statements: Statement[], caller: string) {
  let rows: Record<string, never>[] = [];
  for (const s of statements) {
    const values = spec.userId ? s.values.map((v) => (v === spec.userId ? caller : v)) : s.values;
    rows = (await pool.query({ name: nameOf(s.text), text: s.text, values })).rows;
  }
  return rows;
}

const server = createServer(async (req, res) => {
  try {
    let sub: string;
    try {
      const token = (req.headers.authorization ?? "").replace(/^Bearer /, "");
      sub = (jwt.verify(token, key, { algorithms: ["HS256"], issuer: "todogenie", audience: "todogenie-api" }) as { sub: string }).sub;
    } catch {
      return send(res, 401, { title: "Unauthorized" });
    }
    const url = req.url ?? "";
    const byId = /^\/api\/v1\/tasks\/([0-9a-f-]{36})$/.exec(url);
    if (byId) {
      const { rows } = await pool.query({ name: nameOf(BY_ID), text: BY_ID, values: [byId[1], sub] });
      if (!rows[0]) return send(res, 404, { title: "Not Found" });
      return send(res, 200, dto(rows[0]), { etag: `"${rows[0].version}"` });
    }
    if (url.startsWith("/api/v1/tasks?")) {
      const isSearch = url.includes("q=");
      const rows = await runAll(isSearch ? spec.search : spec.list, sub);
      const limit = Number(new URLSearchParams(url.slice(url.indexOf("?"))).get("limit") ?? 50);
      const items = rows.slice(0, limit).map((r) => (isSearch ? (r as Record<string, unknown>).doc : dto(r)));
      return send(res, 200, { items, nextCursor: rows.length > limit ? "more" : null });
    }
    send(res, 404, { title: "Not Found" });
  } catch (err) {
    send(res, 500, { title: String(err) });
  }
});

server.listen(spec.port, "127.0.0.1", () => process.stdout.write(`floor ready on ${spec.port}\n`));
process.on("SIGTERM", () => {
  server.close();
  void pool.end().then(() => process.exit(0));
});

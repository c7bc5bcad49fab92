import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { Clock } from "../clock";
import type { ListTasksQuery, SortTerm } from "../contracts";
import { ValidationError } from "../errors";
import type { CursorValue } from "./sort-columns";

/** How long a cursor is honoured: a client walking a list finishes long before; an old link answers 422. */
export const CURSOR_TTL_MS = 24 * 60 * 60 * 1000;

interface Payload {
  v: 2;
  /** Which list issued it: the query's fingerprint (engine, filters, q, sort). */
  f: string;
  /** Whom it was issued to. Visibility is re-applied on every page anyway. */
  u: string;
  /** The last row's sort values, then its id (or, for offset-paged engines, the offset). */
  k: CursorValue[];
  /** Issued at, epoch seconds. */
  t: number;
}

const invalid = (message: string) => new ValidationError("Invalid cursor", [{ path: "query.cursor", message }]);

/**
 * The query a cursor belongs to, as a short hash: a cursor taken from one list and handed to
 * another (other filters, other sort, other engine) answers 422 instead of a wrong page.
 */
export function queryFingerprint(scope: string, query: ListTasksQuery, sort: SortTerm[] | "relevance"): string {
  const sorted = (list?: string[]) => (list ? [...list].sort() : null);
  const canonical = {
    scope,
    sort: sort === "relevance" ? sort : sort.map((t) => `${t.desc ? "-" : ""}${t.key}`),
    status: sorted(query.status),
    priority: sorted(query.priority),
    tag: sorted(query.tag),
    projectId: sorted(query.projectId),
    dueFrom: query.dueFrom ? Date.parse(query.dueFrom) : null,
    dueTo: query.dueTo ? Date.parse(query.dueTo) : null,
    overdue: query.overdue ?? false,
    // Absent unless given, so cursors issued before these filters existed stay valid.
    ...(query.parentId ? { parentId: query.parentId } : {}),
    ...(query.topLevel ? { topLevel: true } : {}),
    ...(query.blocked !== undefined ? { blocked: query.blocked } : {}),
    q: query.q ?? null,
  };
  return createHash("sha256").update(JSON.stringify(canonical)).digest("base64url").slice(0, 16);
}

/**
 * Opaque, signed cursors: base64url(JSON) "." HMAC-SHA256. A tampered cursor fails the
 * signature; one issued for another query, another user, or too long ago answers 422.
 */
export class CursorCodec {
  constructor(
    private readonly secret: string,
    private readonly clock: Clock,
  ) {
    if (secret.length < 32) throw new Error("cursor secret must be at least 32 characters");
  }

  encode(fingerprint: string, userId: string, values: CursorValue[]): string {
    const payload: Payload = { v: 2, f: fingerprint, u: userId, k: values, t: Math.floor(this.clock.now().getTime() / 1000) };
    const body = Buffer.from(JSON.stringify(payload)).toString("base64url");
    return `${body}.${this.sign(body)}`;
  }

  /** The values the cursor carries, after checking it was issued by us, for this query and this user, recently. */
  decode(cursor: string, fingerprint: string, userId: string, expectedValues: number): CursorValue[] {
    return this.decodeAny(cursor, [fingerprint], userId, expectedValues).values;
  }

  /** As `decode`, for a list that may have been issued under one of several fingerprints; says which. */
  decodeAny(cursor: string, fingerprints: string[], userId: string, expectedValues: number): { fingerprint: string; values: CursorValue[] } {
    const [body, signature, extra] = cursor.split(".");
    if (!body || !signature || extra !== undefined) throw invalid("is not a cursor this list issued");
    const expected = Buffer.from(this.sign(body));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid("is not a cursor this list issued");
    let payload: Payload;
    try {
      payload = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as Payload;
    } catch {
      throw invalid("is not a cursor this list issued");
    }
    if (payload.v !== 2 || !Array.isArray(payload.k)) throw invalid("comes from an older version; start again from the first page");
    if (!fingerprints.includes(payload.f)) throw invalid("was issued for other filters, search or sort; send the same parameters as the first page");
    if (payload.u !== userId) throw invalid("was issued to someone else");
    if (this.clock.now().getTime() - payload.t * 1000 > CURSOR_TTL_MS) throw invalid("has expired; start again from the first page");
    if (payload.k.length !== expectedValues) throw invalid("is not a cursor this list issued");
    return { fingerprint: payload.f, values: payload.k };
  }

  private sign(body: string): string {
    return createHmac("sha256", this.secret).update(body).digest("base64url").slice(0, 32);
  }
}

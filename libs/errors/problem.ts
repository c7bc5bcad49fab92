import { ERROR_TYPES, ErrorType, FieldError } from "./index";

/** RFC 9457 problem details. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors: FieldError[];
}

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

interface ErrorLike {
  type?: unknown;
  code?: unknown;
  message?: unknown;
  data?: { errors?: FieldError[]; retryAfterSeconds?: number } | null;
  name?: unknown;
}

/** Moleculer's own errors that mean "try again", not "your request was wrong". */
const TRANSPORT_ERRORS: ReadonlySet<unknown> = new Set([
  "SERVICE_NOT_FOUND",
  "SERVICE_NOT_AVAILABLE",
  "REQUEST_TIMEOUT",
  "REQUEST_REJECTED",
  "QUEUE_FULL",
  "BAD_GATEWAY",
]);

/** The bus could not get an answer (nobody serves it, nobody answered in time, too busy). */
export function isTransportError(err: unknown): boolean {
  return TRANSPORT_ERRORS.has((err as ErrorLike | null)?.type);
}

/**
 * Postgres ended the connection under a query: an operator or a failover terminated the backend
 * (57P01), the server is restarting (57P02, 57P03), or the socket died (class 08, or pg's own
 * messages, among them a client left unqueryable by the cut, which a transaction's ROLLBACK meets
 * after its query failed). The pool opens a fresh connection for the next query: try again, not a bug. Read
 * from `code` (SQLSTATE, kept when the error crosses NATS) or the message.
 */
const CONNECTION_LOST_CODES = /^(57P0[123]|08[0-9A-Z]{3}|ECONNREFUSED|ECONNRESET)$/;
const CONNECTION_LOST_MESSAGES =
  /Connection terminated( unexpectedly)?$|Connection terminated unexpectedly|Connection ended unexpectedly|terminating connection due to (administrator command|unexpected postmaster exit)|is not queryable|no writable Postgres/;

export function isDatabaseConnectionLost(err: unknown): boolean {
  const e = (err ?? {}) as ErrorLike;
  return (typeof e.code === "string" && CONNECTION_LOST_CODES.test(e.code)) || (typeof e.message === "string" && CONNECTION_LOST_MESSAGES.test(e.message));
}

/**
 * The one place where any thrown value becomes a problem. Errors may have crossed
 * NATS, so the decision rests on the `type` string only.
 */
export function toProblem(err: unknown): { problem: Problem; retryAfterSeconds?: number; unexpected: boolean } {
  const e = (err ?? {}) as ErrorLike;
  const type = typeof e.type === "string" ? e.type : undefined;
  if (type && type in ERROR_TYPES) {
    const known = ERROR_TYPES[type as ErrorType];
    return {
      problem: {
        type: `https://todogenie.dev/problems/${type.toLowerCase().replace(/_/g, "-")}`,
        title: known.title,
        status: known.status,
        detail: typeof e.message === "string" ? e.message : known.title,
        errors: e.data?.errors ?? [],
      },
      retryAfterSeconds: e.data?.retryAfterSeconds,
      unexpected: false,
    };
  }
  const transport = isTransportError(e);
  if (transport || isDatabaseConnectionLost(e)) {
    return {
      problem: {
        type: "https://todogenie.dev/problems/unavailable",
        title: ERROR_TYPES.UNAVAILABLE.title,
        status: 503,
        detail: transport ? "A service needed for this request is not reachable; try again shortly" : "The database connection was lost; try again shortly",
        errors: [],
      },
      retryAfterSeconds: 1,
      unexpected: false,
    };
  }
  return {
    problem: {
      type: "about:blank",
      title: "Internal Server Error",
      status: 500,
      detail: "An unexpected error occurred",
      errors: [],
    },
    unexpected: true,
  };
}

import type { ErrorRequestHandler } from "express";
import type { LoggerInstance } from "moleculer";
import { BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError } from "../../../libs/errors";
import { PROBLEM_CONTENT_TYPE, toProblem } from "../../../libs/errors/problem";

/**
 * Errors body-parser raises before any route runs. Decided on the status, not `type`: a body
 * that fails to inflate (bad gzip/deflate, truncated) arrives as a zlib error wrapped in a
 * 400 without any `type`, and must not become a 500.
 */
export function fromBodyParser(err: { type?: string; status?: number; statusCode?: number; message?: string; expose?: boolean }): unknown {
  if (!err || typeof err !== "object" || err instanceof BadRequestError) return err;
  const status = err.status ?? err.statusCode;
  const fromParser = typeof err.type === "string" || typeof err.expose === "boolean";
  if (!fromParser || !status || status < 400 || status >= 500) return err;
  if (status === 413) return new PayloadTooLargeError("Request body is too large (at most 1 MB)");
  if (status === 415) return new UnsupportedMediaTypeError(err.type === "charset.unsupported" ? err.message : "Content-Encoding must be gzip, deflate, br or identity");
  if (err.type === "entity.parse.failed") return new BadRequestError("Request body is not valid JSON");
  if (!err.type || err.type === "stream.encoding.set") return new BadRequestError("Request body does not decode as its Content-Encoding (corrupt or truncated)");
  return new BadRequestError(err.message);
}

/** The one place thrown errors become RFC 9457 answers. */
export function problemHandler(logger: LoggerInstance): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const { problem, retryAfterSeconds, unexpected } = toProblem(fromBodyParser(err));
    // Moleculer's loggers print an Error argument as `{}`: the cause and stack go in by hand.
    if (unexpected) logger.error(`${req.method} ${req.originalUrl} failed: ${describe(err)}`);
    if (retryAfterSeconds !== undefined) res.setHeader("Retry-After", String(Math.max(1, Math.ceil(retryAfterSeconds))));
    if (problem.status === 401) res.setHeader("WWW-Authenticate", "Bearer");
    res.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify({ ...problem, instance: req.originalUrl }));
  };
}

/** An error's stack, then each `cause` in turn. */
export function describe(err: unknown, depth = 0): string {
  if (!(err instanceof Error)) {
    try {
      return JSON.stringify(err) ?? String(err);
    } catch {
      return String(err);
    }
  }
  const own = err.stack ?? `${err.name}: ${err.message}`;
  return err.cause !== undefined && depth < 5 ? `${own}\nCaused by: ${describe(err.cause, depth + 1)}` : own;
}

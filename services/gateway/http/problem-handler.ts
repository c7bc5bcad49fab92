import type { ErrorRequestHandler } from "express";
import type { LoggerInstance } from "moleculer";
import { BadRequestError } from "../../../libs/errors";
import { PROBLEM_CONTENT_TYPE, toProblem } from "../../../libs/errors/problem";

/** Errors body-parser raises before any route runs (malformed JSON, oversized body, wrong charset). */
function fromBodyParser(err: { type?: string; status?: number; message?: string }): unknown {
  if (err.type === "entity.parse.failed") return new BadRequestError("Request body is not valid JSON");
  if (err.type === "entity.too.large") return new BadRequestError("Request body is too large");
  if (typeof err.type === "string" && err.status && err.status < 500) return new BadRequestError(err.message);
  return err;
}

/** The one place thrown errors become RFC 9457 answers. */
export function problemHandler(logger: LoggerInstance): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const { problem, retryAfterSeconds, unexpected } = toProblem(fromBodyParser(err));
    if (unexpected) logger.error(`${req.method} ${req.originalUrl} failed`, err);
    if (retryAfterSeconds !== undefined) res.setHeader("Retry-After", String(Math.max(1, Math.ceil(retryAfterSeconds))));
    res.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify({ ...problem, instance: req.originalUrl }));
  };
}

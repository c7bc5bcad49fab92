import type { z } from "zod";
import { ValidationError } from "../../../libs/errors";
import { parseOr422 } from "../../../libs/errors/zod";

/** Parses one part of a request; anything off (unknown fields too) becomes one 422 listing every problem. */
export function parsePart<S extends z.ZodType>(where: "body" | "query" | "params", schema: S | undefined, value: unknown): z.output<S> | undefined {
  if (!schema) {
    const isEmpty = value === undefined || (typeof value === "object" && value !== null && Object.keys(value).length === 0);
    if (!isEmpty) throw new ValidationError(`This route takes no ${where}`, [{ path: where, message: "must be empty" }]);
    return undefined;
  }
  return parseOr422(schema, value, where, `Invalid ${where}`);
}

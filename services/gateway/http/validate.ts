import { z } from "zod";
import { FieldError, ValidationError } from "../../../libs/errors";

function toFieldErrors(where: string, error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => {
    const unknownKeys = issue.code === "unrecognized_keys" ? issue.keys : [];
    const path = [where, ...issue.path.map(String)].join(".");
    if (unknownKeys.length) return { path, message: `unknown field(s): ${unknownKeys.join(", ")}` };
    return { path, message: issue.message };
  });
}

/** Parses one part of a request; anything off (unknown fields too) becomes one 422 listing every problem. */
export function parsePart<S extends z.ZodType>(where: "body" | "query" | "params", schema: S | undefined, value: unknown): z.output<S> | undefined {
  if (!schema) {
    const isEmpty = value === undefined || (typeof value === "object" && value !== null && Object.keys(value).length === 0);
    if (!isEmpty) throw new ValidationError(`This route takes no ${where}`, [{ path: where, message: "must be empty" }]);
    return undefined;
  }
  const input = where === "body" && value === undefined ? undefined : value;
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new ValidationError(`Invalid ${where}`, toFieldErrors(where, result.error));
  }
  return result.data;
}

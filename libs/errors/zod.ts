import type { z } from "zod";
import { FieldError, ValidationError } from "./index";

/** Each zod issue as a field error under `where` (body, query, params). */
export function fieldErrorsOf(where: string, error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => {
    const unknownKeys = issue.code === "unrecognized_keys" ? issue.keys : [];
    const path = [where, ...issue.path.map(String)].join(".");
    if (unknownKeys.length) return { path, message: `unknown field(s): ${unknownKeys.join(", ")}` };
    return { path, message: issue.message };
  });
}

/** Parses `value`, or throws one 422 listing every problem. */
export function parseOr422<S extends z.ZodType>(schema: S, value: unknown, where: string, detail: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new ValidationError(detail, fieldErrorsOf(where, result.error));
  return result.data;
}

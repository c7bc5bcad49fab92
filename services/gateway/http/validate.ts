import type { z } from "zod";
import { FieldError, ValidationError } from "../../../libs/errors";
import { parseOr422 } from "../../../libs/errors/zod";

// U+0000 is refused by Postgres text columns, and a lone surrogate is not valid UTF-8 for
// the database, the search index or JSON written back out: either would fail later as a 500.
// eslint-disable-next-line no-control-regex
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Every string (keys too) under `value` that no store could keep, as field errors. */
export function unstorableStrings(where: string, value: unknown): FieldError[] {
  const found: FieldError[] = [];
  const walk = (v: unknown, path: string, depth: number): void => {
    if (found.length >= 20 || depth > 64) return;
    if (typeof v === "string") {
      if (UNSTORABLE.test(v)) found.push({ path, message: "must not contain U+0000 or an unpaired UTF-16 surrogate" });
    } else if (Array.isArray(v)) {
      v.forEach((item, i) => walk(item, `${path}.${i}`, depth + 1));
    } else if (v && typeof v === "object") {
      for (const [key, item] of Object.entries(v)) {
        if (UNSTORABLE.test(key)) found.push({ path, message: "a field name contains U+0000 or an unpaired UTF-16 surrogate" });
        walk(item, `${path}.${key}`, depth + 1);
      }
    }
  };
  walk(value, where, 0);
  return found;
}

/** Parses one part of a request; anything off (unknown fields too) becomes one 422 listing every problem. */
export function parsePart<S extends z.ZodType>(where: "body" | "query" | "params", schema: S | undefined, value: unknown): z.output<S> | undefined {
  const unstorable = unstorableStrings(where, value);
  if (unstorable.length) throw new ValidationError(`Invalid ${where}`, unstorable);
  if (!schema) {
    const isEmpty = value === undefined || (typeof value === "object" && value !== null && Object.keys(value).length === 0);
    if (!isEmpty) throw new ValidationError(`This route takes no ${where}`, [{ path: where, message: "must be empty" }]);
    return undefined;
  }
  return parseOr422(schema, value, where, `Invalid ${where}`);
}

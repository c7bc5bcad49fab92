import { z } from "zod";
import { ValidationError } from "../../../libs/errors";

const idempotencyKey = z.string().min(1).max(255).regex(/^[\x21-\x7e]+$/, "printable ASCII without spaces");

/** How every creating POST documents the header. */
export const IDEMPOTENCY_HEADER = {
  name: "Idempotency-Key",
  description: "The same key from the same user within 24 h returns the first response and creates nothing",
};

/** The request's Idempotency-Key, if it sent one; a malformed one is a 422. */
export function idempotencyKeyOf(header: (name: string) => string | undefined): string | undefined {
  const value = header("idempotency-key");
  if (value === undefined) return undefined;
  const parsed = idempotencyKey.safeParse(value);
  if (!parsed.success) {
    throw new ValidationError("Invalid Idempotency-Key", [{ path: "headers.idempotency-key", message: parsed.error.issues[0]!.message }]);
  }
  return parsed.data;
}

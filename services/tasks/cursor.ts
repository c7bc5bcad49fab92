import { z } from "zod";
import { ValidationError } from "../../libs/errors";

const cursorSchema = z.strictObject({
  v: z.literal(1),
  sort: z.string(),
  createdAt: z.iso.datetime(),
  id: z.uuid(),
});
export type CursorPosition = Omit<z.infer<typeof cursorSchema>, "v">;

/** Opaque to clients; it names only a position, and every page re-applies the caller's rules. */
export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify({ v: 1, ...position })).toString("base64url");
}

export function decodeCursor(cursor: string, sort: string): CursorPosition {
  const invalid = () => new ValidationError("Invalid cursor", [{ path: "query.cursor", message: "is not a cursor this list issued" }]);
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    throw invalid();
  }
  const parsed = cursorSchema.safeParse(raw);
  if (!parsed.success) throw invalid();
  if (parsed.data.sort !== sort) {
    throw new ValidationError("Cursor belongs to another sort order", [
      { path: "query.cursor", message: `was issued for sort=${parsed.data.sort}` },
    ]);
  }
  const { v: _v, ...position } = parsed.data;
  return position;
}

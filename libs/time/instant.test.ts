import { isoOrNull } from "./instant";

test("isoOrNull writes an instant in UTC with milliseconds, and keeps a missing one missing", () => {
  expect(isoOrNull(new Date("2026-03-29T03:30:00+02:00"))).toBe("2026-03-29T01:30:00.000Z");
  expect(isoOrNull("2026-03-29T03:30:00+02:00")).toBe("2026-03-29T01:30:00.000Z");
  expect(isoOrNull(new Date(0))).toBe("1970-01-01T00:00:00.000Z");
  expect(isoOrNull(null)).toBeNull();
  expect(isoOrNull(undefined)).toBeNull();
});

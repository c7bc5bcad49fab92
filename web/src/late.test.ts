import { formatDelay, lateExplanation } from "./late";

test("a late reminder explains how far behind it arrived; one on time has no badge", () => {
  const fireAt = "2026-11-30T10:00:00.000Z";
  expect(lateExplanation({ late: false, fireAt, createdAt: "2026-11-30T10:00:00.300Z" })).toBeUndefined();
  expect(lateExplanation({ late: true, fireAt, createdAt: "2026-11-30T10:00:31.600Z" })).toBe("Arrived 32 s after its time: Todogenie was down or catching up when it fell due");
  expect(lateExplanation({ late: true, fireAt: null, createdAt: fireAt })).toBe("Arrived after its time: Todogenie was down or catching up when it fell due");
});

test("delays read in seconds, minutes or hours", () => {
  expect([5_000, 89_000, 90_000, 45 * 60_000, 3 * 3600_000, -10].map(formatDelay)).toEqual(["5 s", "89 s", "2 min", "45 min", "3 h", "0 s"]);
});

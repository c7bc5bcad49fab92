import { mergeStatus, type TrackedStatus } from "./status-order";
import type { WebhookStatus } from "./webhook";

const replay = (start: TrackedStatus, callbacks: WebhookStatus[]) => callbacks.reduce(mergeStatus, start);

/** Every order of a list. */
function orders<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) => orders([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]));
}

describe("mergeStatus", () => {
  it("moves forward along sent < delivered < read", () => {
    expect(replay("pending", ["sent"])).toBe("sent");
    expect(replay("sent", ["delivered"])).toBe("delivered");
    expect(replay("delivered", ["read"])).toBe("read");
    expect(replay("sent", ["read"])).toBe("read");
  });

  it("never moves back: read then delivered stays read", () => {
    expect(replay("sent", ["read", "delivered"])).toBe("read");
    expect(replay("delivered", ["sent"])).toBe("delivered");
    expect(replay("read", ["sent", "delivered"])).toBe("read");
  });

  it("failed after sent is failed, and a late sent does not revive it", () => {
    expect(replay("sent", ["failed"])).toBe("failed");
    expect(replay("pending", ["failed", "sent"])).toBe("failed");
  });

  it("a delivery receipt wins over a failure report, whichever comes first", () => {
    expect(replay("sent", ["failed", "delivered"])).toBe("delivered");
    expect(replay("sent", ["delivered", "failed"])).toBe("delivered");
    expect(replay("sent", ["read", "failed"])).toBe("read");
  });

  it("the same callbacks in any order, repeated or not, end in the same state", () => {
    for (const callbacks of [
      ["sent", "delivered", "read"],
      ["sent", "failed"],
      ["sent", "delivered", "failed"],
      ["sent", "sent", "delivered", "read", "read"],
    ] as WebhookStatus[][]) {
      const ends = new Set(orders(callbacks).map((order) => replay("pending", order)));
      expect(ends.size).toBe(1);
    }
  });
});

import { ChangeBatcher } from "./batcher";
import type { IndexChange } from "./engine";

const change = (id: string, version = 1): IndexChange => ({ kind: "delete", id, ownerId: "o", version });

test("concurrent changes are written together, and each resolves once its batch is stored", async () => {
  const batches: number[] = [];
  const batcher = new ChangeBatcher(async (changes) => void batches.push(changes.length), { maxBatch: 3, lingerMs: 5 });
  await Promise.all(["a", "b", "c", "d", "e"].map((id) => batcher.submit(change(id))));
  expect(batches).toEqual([3, 2]);
});

test("a failed batch is retried change by change, so only a bad change is rejected (and redelivered)", async () => {
  const written: string[] = [];
  const batcher = new ChangeBatcher(async (changes) => {
    if (changes.length > 1) throw new Error("one of these is bad");
    if (changes[0]!.kind === "delete" && changes[0]!.id === "bad") throw new Error("bad change");
    written.push(changes[0]!.kind === "delete" ? changes[0]!.id : "?");
  });
  const results = await Promise.allSettled(["a", "bad", "b"].map((id) => batcher.submit(change(id))));
  expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
  expect(written).toEqual(["a", "b"]);
});

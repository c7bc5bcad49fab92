import { ChangeBatcher } from "./batcher";
import type { IndexChange } from "./engine";

const change = (id: string, version = 1): IndexChange => ({ kind: "delete", id, ownerId: "o", version });

test("concurrent changes are written together, and each resolves once its batch is stored", async () => {
  const batches: number[] = [];
  const batcher = new ChangeBatcher(async (changes) => void batches.push(changes.length), { maxBatch: 3, lingerMs: 5 });
  await Promise.all(["a", "b", "c", "d", "e"].map((id) => batcher.submit(change(id))));
  expect(batches).toEqual([3, 2]);
});

test("a failed batch rejects every change in it, so the channel redelivers them", async () => {
  let calls = 0;
  const batcher = new ChangeBatcher(async () => {
    calls++;
    if (calls === 1) throw new Error("database down");
  });
  const results = await Promise.allSettled([batcher.submit(change("a")), batcher.submit(change("b"))]);
  expect(results.map((r) => r.status)).toEqual(["rejected", "rejected"]);
  await expect(batcher.submit(change("c"))).resolves.toBeUndefined();
});

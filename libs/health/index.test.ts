import { Lifecycle } from "../lifecycle";
import { processProbes, runProbes } from ".";

describe("runProbes", () => {
  test("reports each check as ok or why not, and is ok only when all are", async () => {
    const result = await runProbes({
      fine: () => undefined,
      asyncFine: async () => 1,
      broken: () => {
        throw new Error("boom");
      },
      rejected: () => Promise.reject(new Error("down")),
    });
    expect(result).toEqual({ ok: false, checks: { fine: "ok", asyncFine: "ok", broken: "boom", rejected: "down" } });
    expect(await runProbes({ a: () => undefined })).toEqual({ ok: true, checks: { a: "ok" } });
  });

  test("a probe that hangs fails after a bounded time", async () => {
    jest.useFakeTimers();
    try {
      const pending = runProbes({ hung: () => new Promise(() => undefined) });
      await jest.advanceTimersByTimeAsync(2_000);
      expect(await pending).toEqual({ ok: false, checks: { hung: expect.stringMatching(/no answer within/) } });
    } finally {
      jest.useRealTimers();
    }
  });
});

describe("processProbes", () => {
  const db = { raw: async () => undefined } as never;
  const broker = (connected?: boolean) => ({ transit: connected === undefined ? undefined : { connected } }) as never;

  test("ready once running, with the database answering and the broker connected", async () => {
    const lifecycle = new Lifecycle();
    expect((await runProbes(processProbes({ db, broker: broker(true), lifecycle }))).checks.lifecycle).toBe("starting");
    lifecycle.markRunning();
    expect(await runProbes(processProbes({ db, broker: broker(true), lifecycle }))).toEqual({
      ok: true,
      checks: { database: "ok", broker: "ok", lifecycle: "ok" },
    });
    expect((await runProbes(processProbes({ db, broker: broker(), lifecycle }))).ok).toBe(true); // a local broker
    expect((await runProbes(processProbes({ db, broker: broker(false), lifecycle }))).checks.broker).toMatch(/NATS/);
    lifecycle.beginDrain();
    expect((await runProbes(processProbes({ db, broker: broker(true), lifecycle }))).checks.lifecycle).toBe("draining");
  });
});

import { setTimeout as sleep } from "node:timers/promises";
import { loadConfig } from "../config";
import { ServiceBroker } from "moleculer";
import { createBroker, forgetTimedOutCalls, logFormatOf, natsConnectionOptions, reconnectBackoff } from ".";

test("stopping the broker waits for an in-flight action to finish", async () => {
  const config = loadConfig({ JWT_SECRET: "a-test-secret-that-is-long-enough-0123456789", LOG_LEVEL: "fatal", SHUTDOWN_TIMEOUT_MS: "5000" });
  const broker = createBroker(config);
  let finished = false;
  broker.createService({
    name: "slow",
    actions: {
      work: async () => {
        await sleep(300);
        finished = true;
        return { ok: true };
      },
    },
  });
  await broker.start();
  const call = broker.call("slow.work");
  await sleep(20);
  await broker.stop();
  expect(finished).toBe(true);
  await expect(call).resolves.toEqual({ ok: true });
});

test("the broker leaves SIGTERM to the process's own shutdown", () => {
  const before = process.listenerCount("SIGTERM");
  const broker = createBroker(loadConfig({ JWT_SECRET: "a-test-secret-that-is-long-enough-0123456789", LOG_LEVEL: "fatal" }));
  expect(process.listenerCount("SIGTERM")).toBe(before);
  expect(broker.options.tracking).toMatchObject({ enabled: true });
});

test("logs pretty lines to a terminal and JSON to anything else, unless LOG_FORMAT says which", () => {
  expect(logFormatOf({}, true)).toBe("pretty");
  expect(logFormatOf({}, false)).toBe("json");
  expect(logFormatOf({ logFormat: "json" }, true)).toBe("json");
  expect(logFormatOf({ logFormat: "pretty" }, false)).toBe("pretty");
});

test("NATS connections reconnect for ever, waits doubling to twice the base with jitter, back to the base after a quiet spell", () => {
  const options = natsConnectionOptions({ nats: { servers: ["localhost:4222"], reconnectWaitMs: 1_000, streamReplicas: 1 } });
  expect(options.maxReconnectAttempts).toBe(-1);
  let t = 0;
  const mid = reconnectBackoff(1_000, () => 0.5, () => t);
  const waits = [0, 1, 2, 3, 4].map(() => ((t += 100), mid()));
  expect(waits).toEqual([1_000, 2_000, 2_000, 2_000, 2_000]);
  t += 60_000; // connected long enough to count as a fresh outage
  expect(mid()).toBe(1_000);
  // The jitter spreads each wait over half to one and a half times it.
  expect(reconnectBackoff(1_000, () => 0)()).toBe(500);
  expect(reconnectBackoff(1_000, () => 0.999)()).toBe(1_499);
});

test("a remote call that timed out is not waited for when the broker stops", async () => {
  // Two nodes over Moleculer's in-memory transporter; the callee never answers, as a dead node would not.
  const namespace = `forget${Math.random().toString(36).slice(2, 8)}`;
  const common = { namespace, transporter: "Fake", logger: false, tracking: { enabled: true, shutdownTimeout: 10_000 } } as const;
  const callee = new ServiceBroker({ ...common, nodeID: "callee", tracking: { enabled: false } });
  callee.createService({ name: "stuck", actions: { wait: () => new Promise(() => undefined) } });
  const caller = new ServiceBroker({ ...common, nodeID: "caller", middlewares: [forgetTimedOutCalls] });
  await Promise.all([callee.start(), caller.start()]);
  await caller.waitForServices("stuck", 5_000);
  // From here the callee hears nothing: not even the caller's timeout reaches it to answer with.
  (callee.transit as unknown as { tx: { receive: () => void } }).tx.receive = () => undefined;
  try {
    await expect(caller.call("stuck.wait", {}, { timeout: 200 })).rejects.toThrow(/timed out/i);
    const started = Date.now();
    await caller.stop();
    expect(Date.now() - started).toBeLessThan(2_000);
  } finally {
    await callee.stop().catch(() => undefined);
  }
}, 20_000);

import { setTimeout as sleep } from "node:timers/promises";
import { loadConfig } from "../config";
import { createBroker } from ".";

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

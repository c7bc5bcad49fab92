import { setTimeout as sleep } from "node:timers/promises";
import { Lifecycle } from ".";

describe("Lifecycle", () => {
  test("goes starting, running, draining; drain runs each step once, together", async () => {
    const lifecycle = new Lifecycle();
    expect(lifecycle.state).toBe("starting");
    lifecycle.markRunning();
    expect(lifecycle.state).toBe("running");
    const ran: string[] = [];
    lifecycle.onDrain(async () => {
      await sleep(20);
      ran.push("slow");
    });
    lifecycle.onDrain(async () => {
      ran.push("fast");
    });
    lifecycle.beginDrain();
    expect(lifecycle.draining).toBe(true);
    lifecycle.markRunning();
    expect(lifecycle.state).toBe("draining");
    await lifecycle.drain();
    await lifecycle.drain();
    expect(ran).toEqual(["fast", "slow"]);
  });
});

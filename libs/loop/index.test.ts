import { WakeableLoop } from ".";

/** Lets every pending promise callback run (fake timers do not advance them). */
const settle = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

describe("WakeableLoop", () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it("sleeps its idle time between steps, and a poke while asleep wakes it", async () => {
    let steps = 0;
    const loop = new WakeableLoop(async () => (steps++, {}), () => undefined, 1_000);
    loop.start();
    await settle();
    expect(steps).toBe(1);
    await jest.advanceTimersByTimeAsync(999);
    expect(steps).toBe(1);
    loop.poke();
    await settle();
    expect(steps).toBe(2);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(steps).toBe(3);
    const stopped = loop.stop();
    await jest.advanceTimersByTimeAsync(0);
    await stopped;
  });

  it("remembers a poke that comes while a step runs: the next step starts at once, not after the idle time", async () => {
    let steps = 0;
    let finishStep!: () => void;
    const loop = new WakeableLoop(
      () => {
        steps++;
        return new Promise((resolve) => (finishStep = () => resolve({})));
      },
      () => undefined,
      1_000,
    );
    loop.start();
    await settle();
    expect(steps).toBe(1);
    loop.poke(); // work committed after the running step looked for it
    finishStep();
    await settle();
    expect(steps).toBe(2);
    // Without a poke during it, the second step is followed by the idle sleep.
    finishStep();
    await settle();
    expect(steps).toBe(2);
    await jest.advanceTimersByTimeAsync(1_000);
    expect(steps).toBe(3);
    const stopped = loop.stop();
    finishStep();
    await jest.advanceTimersByTimeAsync(0);
    await stopped;
  });
});

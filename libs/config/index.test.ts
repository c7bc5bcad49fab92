import { ConfigError, DEFAULT_HEALTH_PORT, loadConfig } from ".";

const SECRET = "a-test-secret-that-is-long-enough-0123456789";
const distributed = { NATS_URL: "nats://nats:4222", DATABASE_URL: "postgres://db/todogenie", JWT_SECRET: SECRET, BUS_SECRET: SECRET };

describe("health and shutdown settings", () => {
  test("default to the health port and a drain delay of a few seconds", () => {
    const config = loadConfig(distributed);
    expect(config.healthPort).toBe(DEFAULT_HEALTH_PORT);
    expect(config.shutdownDrainDelayMs).toBe(5_000);
    expect(config.shutdownTimeoutMs).toBe(20_000);
  });

  test("are read from the environment", () => {
    const config = loadConfig({ ...distributed, HEALTH_PORT: "0", SHUTDOWN_DRAIN_DELAY_MS: "0", SHUTDOWN_TIMEOUT_MS: "45000" });
    expect(config).toMatchObject({ healthPort: 0, shutdownDrainDelayMs: 0, shutdownTimeoutMs: 45_000 });
  });

  test.each([
    [{ HEALTH_PORT: "70000" }, /HEALTH_PORT/],
    [{ HEALTH_PORT: "abc" }, /HEALTH_PORT/],
    [{ SHUTDOWN_DRAIN_DELAY_MS: "-1" }, /SHUTDOWN_DRAIN_DELAY_MS/],
    [{ SHUTDOWN_TIMEOUT_MS: "10" }, /SHUTDOWN_TIMEOUT_MS/],
    [{ PORT: "3001", HEALTH_PORT: "3001" }, /HEALTH_PORT equals PORT/],
  ])("refuse %j naming the variable", (env, message) => {
    expect(() => loadConfig({ ...distributed, ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ ...distributed, ...env })).toThrow(message);
  });

  test("a process without the gateway may share PORT and HEALTH_PORT: it does not listen on PORT", () => {
    expect(loadConfig({ ...distributed, SERVICES: "tasks", PORT: "3001", HEALTH_PORT: "3001" }).healthPort).toBe(3001);
  });
});

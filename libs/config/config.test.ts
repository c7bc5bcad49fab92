import { ConfigError, loadConfig } from "./index";

const distributed = { NATS_URL: "nats://127.0.0.1:4222", DATABASE_URL: "postgres://x@127.0.0.1/db" };
const secret = "s".repeat(32);

describe("the cursor secret", () => {
  test("is required where tasks or search run in distributed mode", () => {
    expect(() => loadConfig({ ...distributed, SERVICES: "tasks" })).toThrow(/CURSOR_SECRET/);
    expect(() => loadConfig({ ...distributed, SERVICES: "search" })).toThrow(ConfigError);
    expect(loadConfig({ ...distributed, SERVICES: "scheduler" }).cursorSecret).toBe("");
  });

  test("comes from CURSOR_SECRET, else is derived from JWT_SECRET (never equal to it)", () => {
    expect(loadConfig({ ...distributed, SERVICES: "tasks", CURSOR_SECRET: secret }).cursorSecret).toBe(secret);
    const derived = loadConfig({ ...distributed, SERVICES: "tasks", JWT_SECRET: secret }).cursorSecret;
    expect(derived).toHaveLength(43);
    expect(derived).not.toBe(secret);
    expect(loadConfig({ ...distributed, SERVICES: "search", JWT_SECRET: secret }).cursorSecret).toBe(derived);
  });

  test("must be long enough", () => {
    expect(() => loadConfig({ ...distributed, SERVICES: "tasks", CURSOR_SECRET: "short" })).toThrow(/CURSOR_SECRET: must be at least 32/);
  });
});

import { ConfigError, loadConfig } from "./index";

// A JWT_SECRET wherever the gateway runs embedded, so loadConfig never writes a generated one to disk.
const secret = "s".repeat(32);
const distributed = { DATABASE_URL: "postgres://x@localhost/db", NATS_URL: "nats://localhost:4222" };

test("distributed mode refuses to start without JWT_SECRET where tokens are signed", () => {
  expect(() => loadConfig({ ...distributed, SERVICES: "gateway" })).toThrow(/JWT_SECRET is required in distributed mode/);
  expect(loadConfig({ ...distributed, SERVICES: "scheduler" }).mode).toBe("distributed");
  expect(loadConfig({ ...distributed, JWT_SECRET: "s".repeat(32) }).jwtSecret).toBe("s".repeat(32));
});

test("every problem is named at once", () => {
  let error: unknown;
  try {
    loadConfig({ PORT: "http", SERVICES: "gateway,billing", JWT_SECRET: "short", ADMIN_EMAIL: "root@example.com" });
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(ConfigError);
  const message = (error as Error).message;
  expect(message).toMatch(/PORT/);
  expect(message).toMatch(/unknown service "billing"/);
  expect(message).toMatch(/JWT_SECRET: must be at least 32 characters/);
});

test("inconsistent combinations are refused", () => {
  expect(() => loadConfig({ NATS_URL: "nats://localhost:4222" })).toThrow(/DATABASE_URL is not/);
  expect(() => loadConfig({ SERVICES: "tasks", JWT_SECRET: secret })).toThrow(/needs NATS_URL/);
  expect(() => loadConfig({ ADMIN_EMAIL: "root@example.com", JWT_SECRET: secret })).toThrow(/go together/);
});

test("LOG_FORMAT is pretty, json or unset (decided by whether stdout is a terminal)", () => {
  expect(loadConfig({ ...distributed, JWT_SECRET: secret, LOG_FORMAT: "json" }).logFormat).toBe("json");
  expect(loadConfig({ ...distributed, JWT_SECRET: secret, LOG_FORMAT: "" }).logFormat).toBeUndefined();
  expect(() => loadConfig({ ...distributed, JWT_SECRET: secret, LOG_FORMAT: "text" })).toThrow(/LOG_FORMAT/);
});

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

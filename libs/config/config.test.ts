import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ConfigError, loadConfig, SERVICE_NAMES } from "./index";

const dataDir = () => mkdtempSync(path.join(tmpdir(), "todogenie-config-"));
const distributed = { DATABASE_URL: "postgres://x@localhost/db", NATS_URL: "nats://localhost:4222" };

test("embedded defaults: all services, a generated secret kept in DATA_DIR", () => {
  const dir = dataDir();
  const first = loadConfig({ DATA_DIR: dir });
  expect(first).toMatchObject({ mode: "embedded", port: 3000, services: [...SERVICE_NAMES], accessTokenTtlSeconds: 900 });
  expect(first.jwtSecret.length).toBeGreaterThanOrEqual(32);
  expect(loadConfig({ DATA_DIR: dir }).jwtSecret).toBe(first.jwtSecret);
  const file = path.join(dir, "jwt-secret");
  expect(readFileSync(file, "utf8").trim()).toBe(first.jwtSecret);
  expect(statSync(file).mode & 0o777).toBe(0o600);
});

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
  expect(() => loadConfig({ SERVICES: "tasks", DATA_DIR: dataDir() })).toThrow(/needs NATS_URL/);
  expect(() => loadConfig({ ADMIN_EMAIL: "root@example.com", DATA_DIR: dataDir() })).toThrow(/go together/);
});

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

import { ConfigError, loadConfig } from "./index";

// A JWT_SECRET wherever the gateway runs embedded, so loadConfig never writes a generated one to disk.
const secret = "s".repeat(32);
const distributed = { DATABASE_URL: "postgres://x@localhost/db", NATS_URL: "nats://localhost:4222", BUS_SECRET: "b".repeat(32) };

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

test("one account's turns: 8 requests at once and 200 waiting by default; at least one at once, and a queue may be none", () => {
  const gateway = { ...distributed, JWT_SECRET: secret, SERVICES: "gateway" };
  expect(loadConfig(gateway).perAccount).toEqual({ inFlight: 8, queued: 200 });
  expect(loadConfig({ ...gateway, REQUESTS_IN_FLIGHT_PER_USER: "32", REQUESTS_QUEUED_PER_USER: "0" }).perAccount).toEqual({ inFlight: 32, queued: 0 });
  expect(() => loadConfig({ ...gateway, REQUESTS_IN_FLIGHT_PER_USER: "0" })).toThrow(/REQUESTS_IN_FLIGHT_PER_USER/);
  expect(() => loadConfig({ ...gateway, REQUESTS_QUEUED_PER_USER: "many" })).toThrow(/REQUESTS_QUEUED_PER_USER/);
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

describe("the bus secret", () => {
  const { BUS_SECRET: _, ...unsigned } = distributed;

  test("is required by every process in distributed mode: each signs or checks caller identities", () => {
    for (const SERVICES of ["gateway", "tasks", "search", "scheduler", "notify"]) {
      expect(() => loadConfig({ ...unsigned, JWT_SECRET: secret, CURSOR_SECRET: secret, SERVICES })).toThrow(/BUS_SECRET is required/);
    }
    expect(() => loadConfig({ ...distributed, BUS_SECRET: "short" })).toThrow(/BUS_SECRET: must be at least 32/);
    expect(loadConfig({ ...distributed, SERVICES: "scheduler" }).busSecret).toBe("b".repeat(32));
  });

  test("is derived from the JWT secret in embedded mode, where no bus leaves the process", () => {
    const busSecret = loadConfig({ JWT_SECRET: secret }).busSecret;
    expect(busSecret).toHaveLength(43);
    expect(busSecret).not.toBe(secret);
    expect(busSecret).not.toBe(loadConfig({ JWT_SECRET: secret }).cursorSecret);
  });
});

describe("NATS connection settings", () => {
  const nats = (env: Record<string, string>) => loadConfig({ ...distributed, SERVICES: "scheduler", ...env }).nats;

  test("hosts come from NATS_URL; a user and password from the URL or NATS_USER and NATS_PASSWORD", () => {
    expect(nats({})).toEqual({ servers: ["localhost:4222"], reconnectWaitMs: 1_000, streamReplicas: 1 });
    expect(nats({ NATS_URL: "nats://todo:p%40ss@a:4222,nats://b" })).toMatchObject({ servers: ["a:4222", "b:4222"], user: "todo", pass: "p@ss" });
    expect(nats({ NATS_USER: "todo", NATS_PASSWORD: "pw" })).toMatchObject({ user: "todo", pass: "pw" });
    expect(nats({ NATS_TOKEN: "t0ken" })).toMatchObject({ token: "t0ken" });
    expect(nats({ NATS_NKEY_SEED: `SU${"A".repeat(56)}` })).toMatchObject({ nkeySeed: `SU${"A".repeat(56)}` });
  });

  test("a cluster: every server of a comma-separated NATS_URL, streams replicated NATS_STREAM_REPLICAS times (1 to 5)", () => {
    expect(nats({ NATS_URL: "nats://n1:4222, nats://n2:4222,nats://n3:4222", NATS_STREAM_REPLICAS: "3" })).toMatchObject({ servers: ["n1:4222", "n2:4222", "n3:4222"], streamReplicas: 3 });
    for (const bad of ["0", "6", "two"]) expect(() => nats({ NATS_STREAM_REPLICAS: bad })).toThrow(/NATS_STREAM_REPLICAS/);
  });

  test("a tls:// URL or a CA asks for TLS", () => {
    expect(nats({ NATS_URL: "tls://nats:4222" })?.tls).toEqual({});
    expect(nats({ NATS_TLS_CA: __filename })?.tls).toEqual({ caFile: __filename });
  });

  test.each([
    [{ NATS_URL: "http://nats:4222" }, /neither nats:\/\/ nor tls:\/\//],
    [{ NATS_URL: "nats//user:secret@nats" }, /"nats\/\/\*\*\*@nats" is not a URL/],
    [{ NATS_USER: "todo" }, /user and password go together/],
    [{ NATS_URL: "nats://a:b@nats", NATS_USER: "todo", NATS_PASSWORD: "pw" }, /give the credentials once/],
    [{ NATS_USER: "todo", NATS_PASSWORD: "pw", NATS_TOKEN: "t" }, /one way to log in/],
    [{ NATS_NKEY_SEED: "UABC" }, /NATS_NKEY_SEED: must be a user NKey seed/],
    [{ NATS_CREDS_FILE: "/nowhere/user.creds" }, /NATS_CREDS_FILE: no file at/],
    [{ NATS_TLS_CERT: __filename }, /NATS_TLS_CERT and NATS_TLS_KEY go together/],
  ])("%j is refused, and a password never shows in the message", (env, message) => {
    expect(() => nats(env)).toThrow(message);
    expect(() => nats(env)).not.toThrow(/secret/);
  });

  test("NATS settings without NATS_URL are a mistake", () => {
    expect(() => loadConfig({ JWT_SECRET: secret, NATS_USER: "todo" })).toThrow(/NATS_USER set without NATS_URL/);
  });
});

test("DATABASE_READ_URL: a standby's postgres:// URL, one host, beside a DATABASE_URL", () => {
  const distributed = { DATABASE_URL: "postgres://x@primary/db", NATS_URL: "nats://localhost:4222", BUS_SECRET: "b".repeat(32), JWT_SECRET: "j".repeat(32) };
  expect(loadConfig({ ...distributed, DATABASE_READ_URL: "postgres://x@standby/db" }).databaseReadUrl).toBe("postgres://x@standby/db");
  expect(loadConfig({ ...distributed, DATABASE_READ_URL: "" }).databaseReadUrl).toBeUndefined();
  expect(() => loadConfig({ ...distributed, DATABASE_READ_URL: "mysql://x@standby/db" })).toThrow(/DATABASE_READ_URL: must be a postgres:\/\/ URL/);
  expect(() => loadConfig({ ...distributed, DATABASE_READ_URL: "postgres://x@s1:5432,s2:5432/db" })).toThrow(/one host/);
  expect(() => loadConfig({ DATABASE_READ_URL: "postgres://x@standby/db" })).toThrow(/DATABASE_READ_URL is set but DATABASE_URL is not/);
});

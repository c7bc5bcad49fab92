import { createHmac, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

export const SERVICE_NAMES = ["gateway", "tasks", "search", "scheduler", "notify"] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()));

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default("0.0.0.0"),
  DATA_DIR: z.string().default("./data"),
  DATABASE_URL: optionalString,
  DB_POOL_SIZE: z.coerce.number().int().min(2).max(100).default(10),
  NATS_URL: optionalString,
  NAMESPACE: z
    .string()
    .regex(/^[a-zA-Z0-9_-]*$/, "letters, digits, _ and - only")
    .default(""),
  MEILI_URL: optionalString,
  MEILI_MASTER_KEY: optionalString,
  SERVICES: z
    .string()
    .default(SERVICE_NAMES.join(","))
    .transform((v, ctx) => {
      const names = v
        .split(",")
        .map((s) => s.trim())
        .filter(Boolean);
      for (const name of names) {
        if (!(SERVICE_NAMES as readonly string[]).includes(name)) {
          ctx.addIssue({ code: "custom", message: `unknown service "${name}" (known: ${SERVICE_NAMES.join(", ")})` });
        }
      }
      if (names.length === 0) ctx.addIssue({ code: "custom", message: "names no service" });
      return [...new Set(names)] as ServiceName[];
    }),
  JWT_SECRET: optionalString.refine((v) => v === undefined || v.length >= 32, "must be at least 32 characters"),
  CURSOR_SECRET: optionalString.refine((v) => v === undefined || v.length >= 32, "must be at least 32 characters"),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().min(10).max(3600).default(900),
  REFRESH_TOKEN_TTL_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  ADMIN_EMAIL: optionalString.pipe(z.email().optional()),
  ADMIN_PASSWORD: optionalString.refine((v) => v === undefined || v.length >= 10, "must be at least 10 characters"),
  AUTH_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(100),
  LOGIN_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).default(10),
  TRUST_PROXY: optionalString,
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace"]).default("info"),
});

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** embedded: everything in one process on PGlite and a local broker */
  mode: "embedded" | "distributed";
  databaseUrl?: string;
  dbPoolSize: number;
  natsUrl?: string;
  namespace: string;
  meili?: { url: string; masterKey?: string };
  services: ServiceName[];
  jwtSecret: string;
  /** Signs list cursors; the tasks and search services must share it. */
  cursorSecret: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlDays: number;
  admin?: { email: string; password: string };
  authRateLimitPerMinute: number;
  loginRateLimitPerMinute: number;
  trustProxy?: string;
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace";
}

export class ConfigError extends Error {
  constructor(problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** Reads and validates the environment once; throws ConfigError listing every problem. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`));
  }
  const e = parsed.data;
  const problems: string[] = [];
  const distributed = Boolean(e.NATS_URL);
  if (e.NATS_URL && !e.DATABASE_URL) {
    problems.push("NATS_URL is set but DATABASE_URL is not: services in separate processes need a shared Postgres");
  }
  if (!distributed && e.SERVICES.length !== SERVICE_NAMES.length) {
    problems.push("SERVICES selects a subset, which needs NATS_URL so the services can reach each other");
  }
  if ((e.ADMIN_EMAIL === undefined) !== (e.ADMIN_PASSWORD === undefined)) {
    problems.push("ADMIN_EMAIL and ADMIN_PASSWORD go together: set both or neither");
  }
  const signsTokens = e.SERVICES.includes("gateway");
  let jwtSecret = e.JWT_SECRET;
  if (!jwtSecret && signsTokens) {
    if (distributed) problems.push("JWT_SECRET is required in distributed mode (at least 32 characters)");
    else jwtSecret = embeddedSecret(e.DATA_DIR);
  }
  const signsCursors = e.SERVICES.includes("tasks") || e.SERVICES.includes("search");
  const cursorSecret = e.CURSOR_SECRET ?? (jwtSecret ? deriveCursorSecret(jwtSecret) : undefined);
  if (!cursorSecret && signsCursors) {
    problems.push("CURSOR_SECRET (or JWT_SECRET, from which it is derived) is required in distributed mode by tasks and search");
  }
  if (problems.length) throw new ConfigError(problems);

  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: path.resolve(e.DATA_DIR),
    mode: distributed ? "distributed" : "embedded",
    databaseUrl: e.DATABASE_URL,
    dbPoolSize: e.DB_POOL_SIZE,
    natsUrl: e.NATS_URL,
    namespace: e.NAMESPACE,
    meili: e.MEILI_URL ? { url: e.MEILI_URL, masterKey: e.MEILI_MASTER_KEY } : undefined,
    services: e.SERVICES,
    jwtSecret: jwtSecret ?? "",
    cursorSecret: cursorSecret ?? "",
    accessTokenTtlSeconds: e.ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTtlDays: e.REFRESH_TOKEN_TTL_DAYS,
    admin: e.ADMIN_EMAIL && e.ADMIN_PASSWORD ? { email: e.ADMIN_EMAIL, password: e.ADMIN_PASSWORD } : undefined,
    authRateLimitPerMinute: e.AUTH_RATE_LIMIT_PER_MINUTE,
    loginRateLimitPerMinute: e.LOGIN_RATE_LIMIT_PER_MINUTE,
    trustProxy: e.TRUST_PROXY,
    logLevel: e.LOG_LEVEL,
  };
}

/** A key of its own for cursors, so a leaked cursor key never signs tokens. */
function deriveCursorSecret(jwtSecret: string): string {
  return createHmac("sha256", jwtSecret).update("todogenie:list-cursor").digest("base64url");
}

/** Embedded mode keeps one generated secret in DATA_DIR so tokens survive restarts. */
function embeddedSecret(dataDir: string): string {
  const file = path.join(path.resolve(dataDir), "jwt-secret");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  mkdirSync(path.dirname(file), { recursive: true });
  const secret = randomBytes(48).toString("base64url");
  writeFileSync(file, secret + "\n", { mode: 0o600, flag: "wx" });
  return secret;
}

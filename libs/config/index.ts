import { createHmac, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";

/** A template name (lower case, digits, _) and its language code (`en`, `pt_BR`). */
const WHATSAPP_TEMPLATE_FORMAT = /^([a-z0-9_]{1,512}):([a-z]{2,3}(?:_[A-Za-z]{2,4})?)$/;

export const SERVICE_NAMES = ["gateway", "tasks", "search", "scheduler", "notify"] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];
/** Where every process answers /health/live and /health/ready (the image's HEALTHCHECK and the probes use it). */
export const DEFAULT_HEALTH_PORT = 3001;

export const DEFAULT_SHARING_LIMITS: SharingLimits = { projectsPerUser: 1000, invitationsPerHour: 50, membersPerProject: 500 };

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()));

const envSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default("0.0.0.0"),
  HEALTH_PORT: z.coerce.number().int().min(0).max(65535).default(DEFAULT_HEALTH_PORT),
  DATA_DIR: z.string().default("./data"),
  DATABASE_URL: optionalString,
  DB_POOL_SIZE: z.coerce.number().int().min(2).max(100).default(10),
  /** A hot standby for reads (libs/db/read-routing.ts); unset: every read on DATABASE_URL. */
  DATABASE_READ_URL: optionalString
    .refine((v) => v === undefined || /^postgres(ql)?:\/\//.test(v), "must be a postgres:// URL")
    .refine((v) => v === undefined || !/^[^/]*\/\/[^/]*,/.test(v), "names one standby (one host), not a list"),
  NATS_URL: optionalString,
  NATS_USER: optionalString,
  NATS_PASSWORD: optionalString,
  NATS_TOKEN: optionalString,
  NATS_NKEY_SEED: optionalString.refine((v) => v === undefined || /^SU[A-Z2-7]{56}$/.test(v), "must be a user NKey seed (SU…, 58 characters)"),
  NATS_CREDS_FILE: optionalString,
  NATS_TLS_CA: optionalString,
  NATS_TLS_CERT: optionalString,
  NATS_TLS_KEY: optionalString,
  /** The base wait between reconnect attempts; each adds a random jitter up to as much again. */
  NATS_RECONNECT_WAIT_MS: z.coerce.number().int().min(10).max(60_000).default(1_000),
  /** Copies JetStream keeps of each stream Todogenie creates: 1 on a single server, 3 on a cluster of three. */
  NATS_STREAM_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
  /** Readiness fails when an outbox row has waited longer than this: the process cannot publish. */
  OUTBOX_STALE_AFTER_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(30_000),
  BUS_SECRET: optionalString.refine((v) => v === undefined || v.length >= 32, "must be at least 32 characters"),
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
  REQUESTS_IN_FLIGHT_PER_USER: z.coerce.number().int().min(1).max(1_000).default(8),
  REQUESTS_QUEUED_PER_USER: z.coerce.number().int().min(0).max(100_000).default(200),
  TRUST_PROXY: optionalString,
  HISTORY_RETENTION_DAYS: z.coerce.number().int().min(1).max(36_500).default(365),
  IMPORT_MAX_BYTES: z.coerce.number().int().min(1024).max(1024 * 1024 * 1024).default(20 * 1024 * 1024),
  IMPORT_MAX_CONCURRENT: z.coerce.number().int().min(1).max(100).default(2),
  PROJECTS_PER_USER: z.coerce.number().int().min(1).default(() => DEFAULT_SHARING_LIMITS.projectsPerUser),
  INVITATIONS_PER_HOUR: z.coerce.number().int().min(1).default(() => DEFAULT_SHARING_LIMITS.invitationsPerHour),
  MEMBERS_PER_PROJECT: z.coerce.number().int().min(2).default(() => DEFAULT_SHARING_LIMITS.membersPerProject),
  NOTIFY_PORT: z.coerce.number().int().min(0).max(65535).default(3002),
  NOTIFY_ADVERTISE_URL: optionalString.pipe(z.url().optional()),
  /** The built web client the gateway serves at `/`; default `web/dist` in the repository. */
  WEB_DIR: optionalString,
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace"]).default("info"),
  LOG_FORMAT: optionalString.pipe(z.enum(["pretty", "json"]).optional()),
  SHUTDOWN_DRAIN_DELAY_MS: z.coerce.number().int().min(0).max(120_000).default(5_000),
  SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(600_000).default(20_000),
  WHATSAPP_API_URL: optionalString
    .pipe(z.url({ protocol: /^https?$/, message: "must be an http(s) URL" }).optional())
    .transform((v) => (v ?? "https://graph.facebook.com/v21.0").replace(/\/+$/, "")),
  WHATSAPP_TOKEN: optionalString,
  /** Goes into the request path: Meta's ids are digits, anything else is a typo. */
  WHATSAPP_PHONE_NUMBER_ID: optionalString.refine((v) => v === undefined || /^\d{1,32}$/.test(v), "must be digits only"),
  WHATSAPP_APP_SECRET: optionalString,
  WHATSAPP_VERIFY_TOKEN: optionalString,
  WHATSAPP_TEMPLATE: optionalString.refine(
    (v) => v === undefined || WHATSAPP_TEMPLATE_FORMAT.test(v),
    "must be name:language, e.g. task_reminder:en or task_reminder:pt_BR",
  ),
  WHATSAPP_VERIFICATION_TEMPLATE: optionalString.refine(
    (v) => v === undefined || WHATSAPP_TEMPLATE_FORMAT.test(v),
    "must be name:language, e.g. phone_code:en",
  ),
  /** Per process: with N notify replicas set it to the per-replica share (80 / N). */
  WHATSAPP_RATE_PER_SECOND: z.coerce.number().int().min(1).max(1000).default(80),
  WHATSAPP_SENDS_PER_USER_PER_DAY: z.coerce.number().int().min(1).default(50),
  /** Per notify replica: a user balanced over N replicas may hold up to N × this many. */
  STREAMS_PER_USER: z.coerce.number().int().min(1).default(20),
  STREAM_TICKETS_PER_MINUTE: z.coerce.number().int().min(1).default(30),
  /** Hosts (names or IP literals, comma-separated) webhooks may target even on private, loopback or link-local addresses. */
  WEBHOOK_ALLOWED_HOSTS: z
    .string()
    .default("")
    .transform((v) => v.split(",").map((h) => h.trim().toLowerCase().replace(/^\[(.*)\]$/, "$1")).filter(Boolean)),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  /** The first retry's wait; later ones grow from it (x6, x24, x120, ...), each with ±20 % jitter. */
  WEBHOOK_RETRY_BASE_MS: z.coerce.number().int().min(1).max(3_600_000).default(5_000),
  /** How long a delivery is retried for, from its first attempt; the last attempt falls at this mark. */
  WEBHOOK_RETRY_HORIZON_MS: z.coerce.number().int().min(100).max(7 * 24 * 3_600_000).default(24 * 3_600_000),
  /** Deliveries in a row that fail for good before the subscription is disabled and its owner told. */
  WEBHOOK_DISABLE_AFTER_FAILURES: z.coerce.number().int().min(1).max(1000).default(5),
  /** Requests in flight at once, per notify process, over every target. */
  WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(64),
  /** Requests in flight at once to one subscription, per notify process. */
  WEBHOOK_CONCURRENCY_PER_TARGET: z.coerce.number().int().min(1).max(100).default(8),
});

export interface Config {
  port: number;
  host: string;
  healthPort: number;
  dataDir: string;
  /** embedded: everything in one process on PGlite and a local broker */
  mode: "embedded" | "distributed";
  databaseUrl?: string;
  /** A hot standby lists, search, occurrences, history, exports and sync may read from. */
  databaseReadUrl?: string;
  dbPoolSize: number;
  natsUrl?: string;
  /** How to reach and log in to NATS: set whenever natsUrl is. */
  nats?: NatsConfig;
  namespace: string;
  meili?: { url: string; masterKey?: string };
  services: ServiceName[];
  jwtSecret: string;
  /** Signs and checks the caller identity on every call that acts as a user (libs/broker/identity.ts). */
  busSecret: string;
  /** Signs list cursors; the tasks and search services must share it. */
  cursorSecret: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlDays: number;
  admin?: { email: string; password: string };
  authRateLimitPerMinute: number;
  loginRateLimitPerMinute: number;
  /** Per account and gateway: requests worked on at once, and waiting their turn (then 429). */
  perAccount: { inFlight: number; queued: number };
  trustProxy?: string;
  limits: SharingLimits;
  /** How long task and project history is kept (tasks purges older entries hourly). */
  historyRetentionDays: number;
  /** Imports (issue 18): most bytes an uploaded file may have (gateway 413, tasks), and a user's imports at once (tasks 429). */
  imports: { maxBytes: number; maxConcurrent: number };
  logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace";
  /** Unset: pretty when stdout is a terminal (a person), JSON when it is not (a log collector). */
  logFormat?: "pretty" | "json";
  /** On SIGTERM: how long readiness answers 503 before the HTTP listener closes, so load balancers stop sending. */
  shutdownDrainDelayMs: number;
  /** On SIGTERM: how long in-flight requests, actions and channel messages may take to finish. */
  shutdownTimeoutMs: number;
  /** How old the oldest unpublished outbox row may be before readiness fails. */
  outboxStaleAfterMs: number;
  /** Where a notify process without a gateway serves its event streams. */
  notifyPort: number;
  notifyAdvertiseUrl?: string;
  /** The built web client, when WEB_DIR names one; else the gateway looks in `web/dist`. */
  webDir?: string;
  whatsapp: WhatsAppConfig;
  /** Open event streams per user, in each notify process. */
  streamsPerUser: number;
  /** Stream tickets a user may take per minute. */
  streamTicketsPerMinute: number;
  webhooks: WebhookConfig;
}

/** Outbound webhooks, sent by notify (services/notify/webhooks). */
export interface WebhookConfig {
  /** Host names (lower case) and IP literals exempt from the private-address refusal. */
  allowedHosts: string[];
  timeoutMs: number;
  retryBaseMs: number;
  retryHorizonMs: number;
  disableAfterFailures: number;
  concurrency: number;
  concurrencyPerTarget: number;
}

/** NATS connection settings, in the terms of nats.js `ConnectionOptions`. */
export interface NatsConfig {
  /** host:port of each server of NATS_URL (the clients take hosts, not URLs). */
  servers: string[];
  user?: string;
  pass?: string;
  token?: string;
  nkeySeed?: string;
  credsFile?: string;
  /** Present when a `tls://` URL or any NATS_TLS_* asks for TLS; files are PEM. */
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
  /** Base wait between reconnect attempts (NATS_RECONNECT_WAIT_MS). */
  reconnectWaitMs: number;
  /** Replicas of each stream Todogenie creates (NATS_STREAM_REPLICAS); at most the cluster's size. */
  streamReplicas: number;
}

/** Bounds on sharing, each answered with 429: a runaway script or an abuser stops there. */
export interface SharingLimits {
  /** Projects a user owns. */
  projectsPerUser: number;
  /** Invitations one user sends in any hour. */
  invitationsPerHour: number;
  /** Members of a project, its pending invitations included. */
  membersPerProject: number;
}

export interface WhatsAppConfig {
  /** Cloud API base, without a trailing slash. */
  apiUrl: string;
  /** Sender credentials; absent: WhatsApp deliveries are skipped. */
  sender?: { token: string; phoneNumberId: string };
  /** Checks `X-Hub-Signature-256`; absent: every webhook POST is refused. */
  appSecret?: string;
  /** Answers Meta's GET handshake; absent: the handshake is refused. */
  verifyToken?: string;
  /** Send this approved template instead of free text (needed outside the 24 h service window). */
  template?: { name: string; language: string };
  /**
   * The template for phone verification codes, its body's {{1}} the code. A reminder
   * template cannot carry a code, so this one is separate; absent: the code goes as text.
   */
  verificationTemplate?: { name: string; language: string };
  /** Sends per second per sender number, in this process. */
  ratePerSecond: number;
  /** WhatsApp sends per user in 24 h; beyond it a delivery is skipped. Absent: no cap. */
  sendsPerUserPerDay?: number;
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
  if (e.DATABASE_READ_URL && !e.DATABASE_URL) {
    problems.push("DATABASE_READ_URL is set but DATABASE_URL is not: a standby reads for a Postgres primary");
  }
  if (!distributed && e.SERVICES.length !== SERVICE_NAMES.length) {
    problems.push("SERVICES selects a subset, which needs NATS_URL so the services can reach each other");
  }
  if (e.HEALTH_PORT !== 0 && e.HEALTH_PORT === e.PORT && e.SERVICES.includes("gateway")) {
    problems.push("HEALTH_PORT equals PORT: the health server needs a port of its own");
  }
  if ((e.ADMIN_EMAIL === undefined) !== (e.ADMIN_PASSWORD === undefined)) {
    problems.push("ADMIN_EMAIL and ADMIN_PASSWORD go together: set both or neither");
  }
  if ((e.WHATSAPP_TOKEN === undefined) !== (e.WHATSAPP_PHONE_NUMBER_ID === undefined)) {
    problems.push("WHATSAPP_TOKEN and WHATSAPP_PHONE_NUMBER_ID go together: set both or neither");
  }
  // The gateway signs access tokens; notify verifies them on event streams.
  const signsTokens = e.SERVICES.includes("gateway") || e.SERVICES.includes("notify");
  let jwtSecret = e.JWT_SECRET;
  if (!jwtSecret && signsTokens) {
    if (distributed) problems.push("JWT_SECRET is required in distributed mode (at least 32 characters)");
    else jwtSecret = embeddedSecret(e.DATA_DIR);
  }
  const signsCursors = e.SERVICES.includes("tasks") || e.SERVICES.includes("search");
  const cursorSecret = e.CURSOR_SECRET ?? (jwtSecret ? deriveSecret(jwtSecret, "todogenie:list-cursor") : undefined);
  if (!cursorSecret && signsCursors) {
    problems.push("CURSOR_SECRET (or JWT_SECRET, from which it is derived) is required in distributed mode by tasks and search");
  }
  const nats = natsConfig(e, problems);
  let busSecret = e.BUS_SECRET;
  if (!busSecret) {
    // Every process signs or checks caller identities; one process alone has no bus to guard, so a derived key does.
    if (distributed) problems.push("BUS_SECRET is required in distributed mode by every process (at least 32 characters)");
    else if (jwtSecret) busSecret = deriveSecret(jwtSecret, "todogenie:bus-auth");
  }
  if (problems.length) throw new ConfigError(problems);

  return {
    port: e.PORT,
    host: e.HOST,
    healthPort: e.HEALTH_PORT,
    dataDir: path.resolve(e.DATA_DIR),
    mode: distributed ? "distributed" : "embedded",
    databaseUrl: e.DATABASE_URL,
    databaseReadUrl: e.DATABASE_READ_URL,
    dbPoolSize: e.DB_POOL_SIZE,
    natsUrl: e.NATS_URL,
    nats,
    namespace: e.NAMESPACE,
    meili: e.MEILI_URL ? { url: e.MEILI_URL, masterKey: e.MEILI_MASTER_KEY } : undefined,
    services: e.SERVICES,
    jwtSecret: jwtSecret ?? "",
    busSecret: busSecret ?? "",
    cursorSecret: cursorSecret ?? "",
    accessTokenTtlSeconds: e.ACCESS_TOKEN_TTL_SECONDS,
    refreshTokenTtlDays: e.REFRESH_TOKEN_TTL_DAYS,
    admin: e.ADMIN_EMAIL && e.ADMIN_PASSWORD ? { email: e.ADMIN_EMAIL, password: e.ADMIN_PASSWORD } : undefined,
    authRateLimitPerMinute: e.AUTH_RATE_LIMIT_PER_MINUTE,
    loginRateLimitPerMinute: e.LOGIN_RATE_LIMIT_PER_MINUTE,
    perAccount: { inFlight: e.REQUESTS_IN_FLIGHT_PER_USER, queued: e.REQUESTS_QUEUED_PER_USER },
    trustProxy: e.TRUST_PROXY,
    limits: { projectsPerUser: e.PROJECTS_PER_USER, invitationsPerHour: e.INVITATIONS_PER_HOUR, membersPerProject: e.MEMBERS_PER_PROJECT },
    historyRetentionDays: e.HISTORY_RETENTION_DAYS,
    imports: { maxBytes: e.IMPORT_MAX_BYTES, maxConcurrent: e.IMPORT_MAX_CONCURRENT },
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    shutdownDrainDelayMs: e.SHUTDOWN_DRAIN_DELAY_MS,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    outboxStaleAfterMs: e.OUTBOX_STALE_AFTER_MS,
    notifyPort: e.NOTIFY_PORT,
    notifyAdvertiseUrl: e.NOTIFY_ADVERTISE_URL,
    webDir: e.WEB_DIR ? path.resolve(e.WEB_DIR) : undefined,
    whatsapp: whatsappConfig(e),
    streamsPerUser: e.STREAMS_PER_USER,
    streamTicketsPerMinute: e.STREAM_TICKETS_PER_MINUTE,
    webhooks: {
      allowedHosts: e.WEBHOOK_ALLOWED_HOSTS,
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      retryBaseMs: e.WEBHOOK_RETRY_BASE_MS,
      retryHorizonMs: e.WEBHOOK_RETRY_HORIZON_MS,
      disableAfterFailures: e.WEBHOOK_DISABLE_AFTER_FAILURES,
      concurrency: e.WEBHOOK_CONCURRENCY,
      concurrencyPerTarget: e.WEBHOOK_CONCURRENCY_PER_TARGET,
    },
  };
}

function whatsappConfig(e: z.output<typeof envSchema>): WhatsAppConfig {
  const template = e.WHATSAPP_TEMPLATE ? WHATSAPP_TEMPLATE_FORMAT.exec(e.WHATSAPP_TEMPLATE) : null;
  const verification = e.WHATSAPP_VERIFICATION_TEMPLATE ? WHATSAPP_TEMPLATE_FORMAT.exec(e.WHATSAPP_VERIFICATION_TEMPLATE) : null;
  return {
    apiUrl: e.WHATSAPP_API_URL,
    sender:
      e.WHATSAPP_TOKEN && e.WHATSAPP_PHONE_NUMBER_ID
        ? { token: e.WHATSAPP_TOKEN, phoneNumberId: e.WHATSAPP_PHONE_NUMBER_ID }
        : undefined,
    appSecret: e.WHATSAPP_APP_SECRET,
    verifyToken: e.WHATSAPP_VERIFY_TOKEN,
    template: template ? { name: template[1], language: template[2] } : undefined,
    verificationTemplate: verification ? { name: verification[1], language: verification[2] } : undefined,
    ratePerSecond: e.WHATSAPP_RATE_PER_SECOND,
    sendsPerUserPerDay: e.WHATSAPP_SENDS_PER_USER_PER_DAY,
  };
}

/** A key of its own per use, so a leaked cursor or bus key never signs tokens. */
function deriveSecret(jwtSecret: string, purpose: string): string {
  return createHmac("sha256", jwtSecret).update(purpose).digest("base64url");
}

const NATS_AUTH = ["NATS_USER", "NATS_PASSWORD", "NATS_TOKEN", "NATS_NKEY_SEED", "NATS_CREDS_FILE", "NATS_TLS_CA", "NATS_TLS_CERT", "NATS_TLS_KEY"] as const;

/** NATS_URL (one or more, comma-separated, `nats://` or `tls://`, optionally `user:pass@`) and one way to log in. */
function natsConfig(e: z.output<typeof envSchema>, problems: string[]): NatsConfig | undefined {
  if (!e.NATS_URL) {
    const stray = NATS_AUTH.filter((name) => e[name] !== undefined);
    if (stray.length) problems.push(`${stray.join(", ")} set without NATS_URL`);
    return undefined;
  }
  const servers: string[] = [];
  let tlsUrl = false;
  let urlUser: string | undefined;
  let urlPass: string | undefined;
  for (const part of e.NATS_URL.split(",").map((s) => s.trim())) {
    let url: URL;
    try {
      url = new URL(part);
    } catch {
      problems.push(`NATS_URL: "${part.replace(/\/\/[^@/]*@/, "//***@")}" is not a URL (nats://host:4222 or tls://host:4222)`);
      continue;
    }
    if (url.protocol !== "nats:" && url.protocol !== "tls:") problems.push(`NATS_URL: ${url.protocol}// is neither nats:// nor tls://`);
    tlsUrl ||= url.protocol === "tls:";
    servers.push(`${url.hostname}:${url.port || "4222"}`);
    urlUser ||= url.username ? decodeURIComponent(url.username) : undefined;
    urlPass ||= url.password ? decodeURIComponent(url.password) : undefined;
  }
  if (urlUser && e.NATS_USER) problems.push("NATS_URL has a user and NATS_USER is set: give the credentials once");
  const user = e.NATS_USER ?? urlUser;
  const pass = e.NATS_PASSWORD ?? urlPass;
  if ((user === undefined) !== (pass === undefined)) problems.push("a NATS user and password go together (NATS_USER and NATS_PASSWORD, or user:pass@ in NATS_URL)");
  const ways = [user !== undefined, e.NATS_TOKEN !== undefined, e.NATS_NKEY_SEED !== undefined, e.NATS_CREDS_FILE !== undefined].filter(Boolean).length;
  if (ways > 1) problems.push("NATS: use one way to log in: a user and password, NATS_TOKEN, NATS_NKEY_SEED or NATS_CREDS_FILE");
  if ((e.NATS_TLS_CERT === undefined) !== (e.NATS_TLS_KEY === undefined)) problems.push("NATS_TLS_CERT and NATS_TLS_KEY go together: set both or neither");
  for (const name of ["NATS_CREDS_FILE", "NATS_TLS_CA", "NATS_TLS_CERT", "NATS_TLS_KEY"] as const) {
    if (e[name] !== undefined && !existsSync(e[name])) problems.push(`${name}: no file at ${e[name]}`);
  }
  const tls = tlsUrl || e.NATS_TLS_CA || e.NATS_TLS_CERT ? { caFile: e.NATS_TLS_CA, certFile: e.NATS_TLS_CERT, keyFile: e.NATS_TLS_KEY } : undefined;
  return { servers, user, pass, token: e.NATS_TOKEN, nkeySeed: e.NATS_NKEY_SEED, credsFile: e.NATS_CREDS_FILE, tls, reconnectWaitMs: e.NATS_RECONNECT_WAIT_MS, streamReplicas: e.NATS_STREAM_REPLICAS };
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

import type { ServiceName } from "../libs/config";

/**
 * One process of the distributed deployment: a container in docker-compose.yml, a Deployment in
 * k8s/, a child process in the distributed end-to-end suite. This list is the single source of
 * what each of them runs and which environment it gets; test/deploy checks that compose, the
 * manifests and the suite agree with it.
 */
export interface ProcessSpec {
  /** The service it runs (its `SERVICES`), and the name of its container, Deployment and Service. */
  name: ServiceName;
  /** Fixed, non-secret settings of this process: the same in compose, Kubernetes and the e2e suite. */
  env: Record<string, string>;
  /** Non-secret settings that differ per installation: `.env` (or fixed addresses) in compose, the ConfigMap in Kubernetes. */
  settings: string[];
  /** Secrets, by name: `.env` in compose, the Secret in Kubernetes. A process gets only those it uses. */
  secrets: string[];
}

/** What every process reads: where NATS and Postgres are, its namespace on NATS, how much it logs, how many copies its streams keep. */
const COMMON_SETTINGS = ["NATS_URL", "NAMESPACE", "LOG_LEVEL", "NATS_STREAM_REPLICAS"];
/**
 * Every process logs in to Postgres and to NATS, and holds BUS_SECRET: the gateway and notify sign
 * the caller identity they put on calls, tasks, search, scheduler and notify check it (a process
 * that can check a signature can also make one, so all five are trusted alike; NATS credentials
 * keep anything else off the bus).
 */
const COMMON_SECRETS = ["DATABASE_URL", "NATS_USER", "NATS_PASSWORD", "BUS_SECRET"];

function processSpec(name: ServiceName, dbPoolSize: number, own: { settings?: string[]; secrets?: string[] } = {}): ProcessSpec {
  return {
    name,
    env: { SERVICES: name, DB_POOL_SIZE: String(dbPoolSize) },
    settings: [...COMMON_SETTINGS, ...(own.settings ?? [])],
    secrets: [...COMMON_SECRETS, ...(own.secrets ?? [])],
  };
}

/**
 * One process per service. Pool sizes bound each replica's Postgres connections: their sum over
 * all replicas (the autoscalers' maxima included) must stay under the server's max_connections.
 */
export const DEPLOYMENT: readonly ProcessSpec[] = [
  processSpec("gateway", 5, { settings: ["TRUST_PROXY", "ADMIN_EMAIL", "IMPORT_MAX_BYTES"], secrets: ["JWT_SECRET", "ADMIN_PASSWORD"] }),
  // Both sign and check list cursors with the same key.
  // Both may read lists, history, occurrences, exports and searches from a standby (DATABASE_READ_URL, optional).
  processSpec("tasks", 10, { settings: ["PROJECTS_PER_USER", "INVITATIONS_PER_HOUR", "MEMBERS_PER_PROJECT", "HISTORY_RETENTION_DAYS", "IMPORT_MAX_BYTES", "IMPORT_MAX_CONCURRENT"], secrets: ["CURSOR_SECRET", "DATABASE_READ_URL"] }),
  processSpec("search", 5, { settings: ["MEILI_URL"], secrets: ["MEILI_MASTER_KEY", "CURSOR_SECRET", "DATABASE_READ_URL"] }),
  processSpec("scheduler", 5),
  processSpec("notify", 5, {
    settings: ["WHATSAPP_API_URL", "WHATSAPP_PHONE_NUMBER_ID", "WHATSAPP_TEMPLATE", "WHATSAPP_VERIFICATION_TEMPLATE", "WHATSAPP_RATE_PER_SECOND", "WHATSAPP_SENDS_PER_USER_PER_DAY", "STREAMS_PER_USER", "STREAM_TICKETS_PER_MINUTE", "WEBHOOK_ALLOWED_HOSTS", "WEBHOOK_TIMEOUT_MS", "WEBHOOK_RETRY_BASE_MS", "WEBHOOK_RETRY_HORIZON_MS", "WEBHOOK_DISABLE_AFTER_FAILURES", "WEBHOOK_CONCURRENCY", "WEBHOOK_CONCURRENCY_PER_TARGET"],
    // Notify verifies access tokens on event streams, and holds the WhatsApp credentials.
    secrets: ["JWT_SECRET", "WHATSAPP_TOKEN", "WHATSAPP_APP_SECRET", "WHATSAPP_VERIFY_TOKEN"],
  }),
];

/** Every variable a process of the deployment reads from its environment. */
export function variablesOf(spec: ProcessSpec): string[] {
  return [...Object.keys(spec.env), ...spec.settings, ...spec.secrets].sort();
}

/**
 * The environment a process gets: its fixed env, and from `values` (the installation's settings
 * and secrets) exactly the ones it declares.
 */
export function environmentOf(spec: ProcessSpec, values: Record<string, string | undefined>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of [...spec.settings, ...spec.secrets]) {
    const value = values[name];
    if (value !== undefined) env[name] = value;
  }
  return { ...env, ...spec.env };
}

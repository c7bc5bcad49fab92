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

/** What every process reads: where NATS and Postgres are, its namespace on NATS, how much it logs. */
const COMMON_SETTINGS = ["NATS_URL", "NAMESPACE", "LOG_LEVEL"];
const COMMON_SECRETS = ["DATABASE_URL"];

/**
 * Pool sizes bound each replica's Postgres connections: the sum over all replicas (the HPAs'
 * maxima included) must stay under the server's max_connections.
 */
export const DEPLOYMENT: readonly ProcessSpec[] = [
  {
    name: "gateway",
    env: { SERVICES: "gateway", DB_POOL_SIZE: "5" },
    settings: [...COMMON_SETTINGS, "TRUST_PROXY", "ADMIN_EMAIL"],
    secrets: [...COMMON_SECRETS, "JWT_SECRET", "ADMIN_PASSWORD"],
  },
  {
    name: "tasks",
    env: { SERVICES: "tasks", DB_POOL_SIZE: "10" },
    settings: COMMON_SETTINGS,
    secrets: COMMON_SECRETS,
  },
  {
    name: "search",
    env: { SERVICES: "search", DB_POOL_SIZE: "5" },
    settings: [...COMMON_SETTINGS, "MEILI_URL"],
    secrets: [...COMMON_SECRETS, "MEILI_MASTER_KEY"],
  },
  {
    name: "scheduler",
    env: { SERVICES: "scheduler", DB_POOL_SIZE: "5" },
    settings: COMMON_SETTINGS,
    secrets: COMMON_SECRETS,
  },
  {
    name: "notify",
    env: { SERVICES: "notify", DB_POOL_SIZE: "5" },
    settings: COMMON_SETTINGS,
    secrets: COMMON_SECRETS,
  },
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

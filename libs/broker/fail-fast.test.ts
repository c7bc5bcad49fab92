import { CallingOptions, ServiceBroker } from "moleculer";
import { IDEMPOTENT_ACTIONS } from "../contracts/bus";
import { BEAT_SLACK_MS, circuitBreaker, dropSilentNodes, Heartbeats, MAX_BEAT_INTERVAL_MS, READ_TIMEOUT_MS, readTimeouts, retriesElsewhere, RetryBudget, SILENT_AFTER_MS, SUSPECT_AFTER_MS } from "./fail-fast";

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
  const check = circuitBreaker().check!;
  expect(check({ type: "REQUEST_TIMEOUT", code: 504 } as unknown as Error)).toBe(true);
  expect(check({ type: "UNAVAILABLE", code: 503 } as unknown as Error)).toBe(false);
  expect(check({ code: 500 } as unknown as Error)).toBe(false);
});

/** tasks-1 beat `ago` ms before now. */
function heartbeatsWith(ago: number) {
  const now = 100_000;
  const heartbeats = new Heartbeats(() => now);
  heartbeats.heard.set("tasks-1", now - ago);
  return heartbeats;
}

test("overload is not death: a timeout of a peer still beating is neither retried nor counted by the breaker", () => {
  const timeout = { type: "REQUEST_TIMEOUT", data: { action: "tasks.get", nodeID: "tasks-1" } };
  const registry = () => ({ registry: registryWith([{ id: "tasks-1" }, { id: "tasks-2" }]) });
  const beating = heartbeatsWith(SUSPECT_AFTER_MS - 1);
  expect(retriesElsewhere(IDEMPOTENT_ACTIONS, registry, beating)(timeout)).toBe(false);
  expect(circuitBreaker(beating).check!(timeout as unknown as Error)).toBe(false);
  const silent = heartbeatsWith(SUSPECT_AFTER_MS);
  expect(retriesElsewhere(IDEMPOTENT_ACTIONS, registry, silent)(timeout)).toBe(true);
  const missed = heartbeatsWith(MAX_BEAT_INTERVAL_MS + BEAT_SLACK_MS);
  expect(circuitBreaker(missed).check!(timeout as unknown as Error)).toBe(true);
  // Its node left the registry with the read pending: gone, whatever its last beat.
  expect(retriesElsewhere(IDEMPOTENT_ACTIONS, registry, beating)({ ...timeout, type: "REQUEST_REJECTED" })).toBe(true);
  // A peer never heard from (or dropped and forgotten) counts as silent.
  expect(new Heartbeats().suspect("tasks-9")).toBe(true);
});

test("the breaker counts a timeout only once the peer missed a beat of its own rhythm; a retry needs only a second of silence", () => {
  let now = 0;
  const heartbeats = new Heartbeats(() => now);
  const everyMs = (id: string, ms: number) => [0, ms, 2 * ms].forEach((t) => ((now = t), heartbeats.beat(id)));
  everyMs("slow", 1_500);
  everyMs("fast", 500);
  const since = (id: string, ms: number) => (now = heartbeats.heard.get(id)! + ms);
  // A peer beating every 1.5 s, 1.2 s after its last beat: its next is not due yet. Suspect enough to retry a read elsewhere, not to open.
  since("slow", 1_200);
  expect(heartbeats.suspect("slow")).toBe(true);
  expect(heartbeats.missedBeat("slow")).toBe(false);
  since("slow", 1_500 + BEAT_SLACK_MS);
  expect(heartbeats.missedBeat("slow")).toBe(true);
  // A peer beating every 0.5 s has missed one after a second.
  since("fast", 999);
  expect(heartbeats.missedBeat("fast")).toBe(false);
  since("fast", SUSPECT_AFTER_MS);
  expect(heartbeats.missedBeat("fast")).toBe(true);
  // A gap stretched by a busy receiver counts as the slowest rhythm, no more.
  everyMs("stretched", 6_000);
  since("stretched", MAX_BEAT_INTERVAL_MS + BEAT_SLACK_MS);
  expect(heartbeats.missedBeat("stretched")).toBe(true);
  // Dropped and forgotten: silent until it beats again, and then judged afresh.
  heartbeats.forget("fast");
  expect(heartbeats.missedBeat("fast")).toBe(true);
  heartbeats.beat("fast");
  expect(heartbeats.missedBeat("fast")).toBe(false);
});

test("retries stay within a tenth of the reads sent, after a burst of ten", () => {
  const budget = new RetryBudget();
  const rejected = { type: "REQUEST_REJECTED", data: { action: "tasks.get", nodeID: "tasks-1" } };
  const retry = retriesElsewhere(IDEMPOTENT_ACTIONS, () => ({ registry: registryWith([{ id: "tasks-1" }, { id: "tasks-2" }]) }), undefined, budget);
  const retried = (n: number) => Array.from({ length: n }, () => retry(rejected)).filter(Boolean).length;
  expect(retried(20)).toBe(10);
  for (let i = 0; i < 100; i++) budget.called();
  expect(retried(20)).toBe(10);
  for (let i = 0; i < 1_000; i++) budget.called();
  expect(retried(20)).toBe(10);
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

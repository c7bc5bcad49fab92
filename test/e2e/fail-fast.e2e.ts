/**
 * A process killed without a goodbye (kill -9) must not hold its callers for the full request
 * timeout, nor lock out users whose abilities it reports (issue 13). Distributed mode only:
 * embedded has one process, which cannot lose a part of itself.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { Api, TestUser } from "../support/api";
import { DISTRIBUTED_PROCESSES, RunningStack, startWithUsers } from "../support/stack";

const distributedOnly = process.env.E2E_MODE === "distributed" ? describe : describe.skip;

distributedOnly("with the tasks process killed", () => {
  let stack: RunningStack;
  let api: Api;
  let alice: TestUser;
  let taskId: string;

  beforeAll(async () => {
    ({ stack, api, users: [alice] } = await startWithUsers(1));
    const created = await api.post("/tasks", { title: "Survives a crash of its service" }, { token: alice.accessToken });
    expect(created.status).toBe(201);
    taskId = created.body.id;
    // Authenticated once while tasks answers: the gateway now knows her memberships.
    expect((await api.get("/notifications", { token: alice.accessToken })).status).toBe(200);
    const tasks = stack.processes[DISTRIBUTED_PROCESSES.findIndex((p) => p.name === "tasks")];
    const exited = new Promise((resolve) => tasks.once("exit", resolve));
    tasks.kill("SIGKILL");
    await exited;
  }, 90_000);
  afterAll(async () => {
    await stack?.stop();
  }, 30_000);

  test("a user authenticated before still reads the inbox and gets a stream ticket", async () => {
    // Past the gateway's one-second cache of her abilities, so it does ask tasks for her memberships.
    await sleep(1_100);
    expect((await api.get("/notifications", { token: alice.accessToken })).status).toBe(200);
    expect((await api.post("/notifications/ticket", undefined, { token: alice.accessToken })).status).toBe(201);
  });

  test("reading a task answers 503 quickly, not after the 10 s request timeout", async () => {
    const started = performance.now();
    const res = await api.get(`/tasks/${taskId}`, { token: alice.accessToken });
    const elapsed = performance.now() - started;
    expect(res.status).toBe(503);
    // A bound, not a benchmark: at worst the caller's memberships and the task are each one
    // short read timeout (1.5 s); the slack is for two shared cores. Waiting on the request
    // timeout would take over 10 s.
    expect(elapsed).toBeLessThan(5_000);
  });
});

import { Api } from "../support/api";
import { StreamClient } from "../support/sse";
import net from "node:net";
import { DEPLOYMENT } from "../../deploy/services";
import { distributedProcessEnv, RunningStack, StartedProcess, startProcess, startStack, stopProcess } from "../support/stack";

let stack: RunningStack;
let api: Api;
const streams: StreamClient[] = [];
/** Processes a test started in place of one it killed; the stack does not know them. */
const replacements: StartedProcess[] = [];

beforeAll(async () => {
  stack = await startStack();
  api = new Api(stack.baseUrl);
}, 60_000);
afterAll(async () => {
  streams.forEach((s) => s.close());
  for (const p of replacements) await stopProcess(p.child);
  await stack?.stop();
}, 30_000);

const streamUrl = (query = "") => `${stack.baseUrl}/api/v1/notifications/stream${query}`;
function open(url: string, options: ConstructorParameters<typeof StreamClient>[1] = {}) {
  const client = new StreamClient(url, options);
  streams.push(client);
  return client;
}
const inSeconds = (s: number) => new Date(Date.now() + s * 1000).toISOString();

async function waitForInbox(token: string, count: number) {
  for (let i = 0; i < 150; i++) {
    const res = await api.get("/notifications", { token });
    if (res.body.items.length >= count) return res.body.items;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`inbox never reached ${count}`);
}

test("a reminder arrives once on each of the user's streams, and on no one else's", async () => {
  const [alice, bob] = await Promise.all([api.newUser({ timezone: "Europe/Berlin" }), api.newUser()]);
  const ticket = await api.post("/notifications/ticket", undefined, { token: alice.accessToken });
  expect(ticket.status).toBe(201);
  expect(ticket.body.expiresIn).toBe(60);

  const viaHeader = open(streamUrl(), { token: alice.accessToken });
  const viaTicket = open(streamUrl(`?ticket=${ticket.body.ticket}`));
  const bobs = open(streamUrl(), { token: bob.accessToken });
  await Promise.all([viaHeader.opened, viaTicket.opened, bobs.opened]);
  // A ticket is single-use.
  expect((await fetch(streamUrl(`?ticket=${ticket.body.ticket}`))).status).toBe(401);
  expect((await fetch(streamUrl())).status).toBe(401);

  const task = await api.post("/tasks", { title: "Call mum", reminders: [{ at: inSeconds(2), channels: ["sse"] }] }, { token: alice.accessToken });
  expect(task.status).toBe(201);
  const [a] = await viaHeader.waitFor(1);
  const [b] = await viaTicket.waitFor(1);
  expect(a!.data).toMatchObject({ kind: "reminder", taskId: task.body.id, reminderId: task.body.reminders[0].id, title: "Call mum" });
  expect(b!.id).toBe(a!.id);
  expect(a!.id).toBe(a!.data.id);

  const inbox = await waitForInbox(alice.accessToken, 1);
  expect(inbox[0]).toMatchObject({ id: a!.id, readAt: null, deliveries: [{ channel: "sse", status: "sent", attempts: expect.any(Number) }] });
  expect(bobs.received).toEqual([]);
  expect((await api.get("/notifications", { token: bob.accessToken })).body.items).toEqual([]);
});

test("reconnecting with Last-Event-ID replays exactly what was missed", async () => {
  const carol = await api.newUser();
  const live = open(streamUrl(), { token: carol.accessToken });
  await live.opened;
  await api.post("/tasks", { title: "First", reminders: [{ at: inSeconds(1) }] }, { token: carol.accessToken });
  const [first] = await live.waitFor(1);
  live.close();

  await api.post("/tasks", { title: "Missed one", reminders: [{ at: inSeconds(1) }] }, { token: carol.accessToken });
  await api.post("/tasks", { title: "Missed two", reminders: [{ at: inSeconds(1) }] }, { token: carol.accessToken });
  await waitForInbox(carol.accessToken, 3);

  const resumed = open(streamUrl(), { token: carol.accessToken, lastEventId: first!.id });
  const replayed = await resumed.waitFor(2);
  expect(replayed.map((e) => e.data.title).sort()).toEqual(["Missed one", "Missed two"]);
  expect(replayed.map((e) => e.id)).not.toContain(first!.id);
});

test("the inbox reads, filters, snoozes and refuses what is not yours", async () => {
  const dave = await api.newUser();
  const eve = await api.newUser();
  await api.post("/tasks", { title: "Stretch", reminders: [{ at: inSeconds(1) }] }, { token: dave.accessToken });
  const [n] = await waitForInbox(dave.accessToken, 1);
  expect((await api.post(`/notifications/${n.id}/read`, undefined, { token: eve.accessToken })).status).toBe(404);
  expect((await api.post(`/notifications/${n.id}/read`, undefined, { token: dave.accessToken })).status).toBe(204);
  expect((await api.get("/notifications?unread=true", { token: dave.accessToken })).body.items).toEqual([]);
  expect((await api.get("/notifications?unread=false", { token: dave.accessToken })).body.items[0].readAt).toEqual(expect.any(String));

  const snoozed = await api.post(`/notifications/${n.id}/snooze`, { minutes: 10 }, { token: dave.accessToken });
  expect(snoozed.status).toBe(200);
  expect(Date.parse(snoozed.body.snoozedUntil) - Date.now()).toBeGreaterThan(9 * 60_000);
  expect((await api.post(`/notifications/${n.id}/snooze`, { minutes: 0 }, { token: dave.accessToken })).status).toBe(422);
  expect((await api.post(`/notifications/${n.id}/snooze`, { minutes: 5 }, { token: eve.accessToken })).status).toBe(404);
  expect((await api.get("/notifications?limit=0", { token: dave.accessToken })).status).toBe(422);
});

test("deleting a task or its reminder cancels what is pending", async () => {
  const frank = await api.newUser();
  const stream = open(streamUrl(), { token: frank.accessToken });
  await stream.opened;
  const doomed = await api.post("/tasks", { title: "Deleted", reminders: [{ at: inSeconds(2) }] }, { token: frank.accessToken });
  const trimmed = await api.post("/tasks", { title: "Trimmed", reminders: [{ at: inSeconds(2) }] }, { token: frank.accessToken });
  expect((await api.delete(`/tasks/${doomed.body.id}`, { token: frank.accessToken })).status).toBe(204);
  expect((await api.delete(`/tasks/${trimmed.body.id}/reminders/${trimmed.body.reminders[0].id}`, { token: frank.accessToken })).status).toBe(204);
  await api.post("/tasks", { title: "Kept", reminders: [{ at: inSeconds(3) }] }, { token: frank.accessToken });
  const events = await stream.waitFor(1);
  expect(events.map((e) => e.data.title)).toEqual(["Kept"]);
});

const distributedOnly = process.env.E2E_MODE === "distributed" ? describe : describe.skip;
distributedOnly("several notify replicas", () => {
  const freePort = () =>
    new Promise<number>((resolve) => {
      const server = net.createServer().listen(0, "127.0.0.1", () => {
        const { port } = server.address() as net.AddressInfo;
        server.close(() => resolve(port));
      });
    });

  test("each replica writes the notification to the streams it holds, whichever one recorded it", async () => {
    const spec = DEPLOYMENT.find((p) => p.name === "notify")!;
    const replicas: StartedProcess[] = [];
    try {
      const ports = [await freePort(), await freePort()];
      for (const port of ports) {
        const p = startProcess({ ...distributedProcessEnv(spec, stack.env), NOTIFY_PORT: String(port) }, `notify-${port}`);
        replicas.push(p);
        await p.ready;
      }
      const gina = await api.newUser();
      const direct = ports.map((port) => open(`http://127.0.0.1:${port}/api/v1/notifications/stream`, { token: gina.accessToken }));
      const viaGateway = open(streamUrl(), { token: gina.accessToken });
      await Promise.all([...direct, viaGateway].map((s) => s.opened));
      await api.post("/tasks", { title: "Everywhere", reminders: [{ at: inSeconds(2) }] }, { token: gina.accessToken });
      for (const stream of [...direct, viaGateway]) expect((await stream.waitFor(1)).map((e) => e.data.title)).toEqual(["Everywhere"]);
    } finally {
      for (const p of replicas) await stopProcess(p.child);
    }
  });
});

distributedOnly("the tasks service down", () => {
  test("a reminder on a project task is delivered while the tasks process is killed: notify checks the recipient itself", async () => {
    const index = DEPLOYMENT.findIndex((p) => p.name === "tasks");
    const tasks = stack.processes[index]!;
    const hana = await api.newUser();
    const projectId = (await api.post("/projects", { name: "Kitchen" }, { token: hana.accessToken })).body.id;
    // Opened now: the gateway needs tasks to authenticate a new stream, not to keep one going.
    const stream = open(streamUrl(), { token: hana.accessToken });
    await stream.opened;
    await api.post("/tasks", { title: "Descale the kettle", projectId, reminders: [{ at: inSeconds(4) }] }, { token: hana.accessToken });
    // Searchable means tasks' relay published task.created, which the scheduler plans from.
    for (let i = 0; i < 50 && (await api.get("/tasks?q=kettle", { token: hana.accessToken })).body.items.length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    try {
      tasks.kill("SIGKILL");
      expect((await stream.waitFor(1)).map((e) => e.data.title)).toEqual(["Descale the kettle"]);
    } finally {
      // The rest of the suite needs tasks back.
      const spec = DEPLOYMENT[index]!;
      const restarted = startProcess(distributedProcessEnv(spec, stack.env), "tasks-restarted");
      replacements.push(restarted);
      await restarted.ready;
    }
  }, 60_000);
});

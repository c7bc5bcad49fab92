import { ServiceBroker } from "moleculer";
import { broadcast, call, callAs, channelHandlers, eventHandlers, serviceActions } from "./bus";
import type { AuthMeta } from "../contracts";

const KEY = "00000000-0000-4000-8000-0000000000aa@2026-03-01T10:00:00.000Z";
const received: unknown[] = [];
let broker: ServiceBroker;

beforeAll(async () => {
  broker = new ServiceBroker({ logger: false });
  // A stand-in with the registry's scheduler actions: what reaches the handler is what the wrapper let through.
  broker.createService({
    name: "scheduler",
    actions: serviceActions("scheduler", {
      snooze: (p) => {
        received.push(p);
        return { key: p.key, fireAt: "2026-03-01T10:15:00.000Z" };
      },
      health: () => ({ ok: true }),
    }),
  });
  await broker.start();
});
afterAll(() => broker.stop());
beforeEach(() => (received.length = 0));

test("a well-formed call reaches the handler with its params and answers the declared result", async () => {
  await expect(call(broker, "scheduler.snooze", { key: KEY, minutes: 15 })).resolves.toEqual({ key: KEY, fireAt: "2026-03-01T10:15:00.000Z" });
  expect(received).toEqual([{ key: KEY, minutes: 15 }]);
});

test.each([
  ["a wrong type", { key: KEY, minutes: "15" }, "params.minutes"],
  ["a value out of range", { key: KEY, minutes: 0 }, "params.minutes"],
  ["a missing field", { minutes: 5 }, "params.key"],
  ["an unknown field", { key: KEY, minutes: 5, ownerId: "x" }, "params"],
])("a peer's call with %s is refused with a 422 before the handler runs", async (_case, params, path) => {
  // What a buggy or hostile peer sends, past the compiler.
  const refused = broker.call("scheduler.snooze", params);
  await expect(refused).rejects.toMatchObject({ code: 422, type: "VALIDATION" });
  const error = (await refused.catch((e: unknown) => e)) as { data: { errors: { path: string }[] } };
  expect(error.data.errors.map((e) => e.path)).toContain(path);
  expect(received).toEqual([]);
});

test("a call without params is checked like any other", async () => {
  await expect(broker.call("scheduler.snooze")).rejects.toMatchObject({ code: 422 });
  await expect(call(broker, "scheduler.health", {})).resolves.toEqual({ ok: true });
});

/** A valid reminder.due message. */
const reminderDue = {
  key: KEY,
  taskId: "00000000-0000-4000-8000-000000000001",
  reminderId: "00000000-0000-4000-8000-000000000002",
  ownerId: "00000000-0000-4000-8000-000000000003",
  recipientId: "00000000-0000-4000-8000-000000000003",
  title: "Dentist",
  dueAt: null,
  occurrenceAt: null,
  fireAt: "2026-03-01T10:00:00.000Z",
  firedAt: "2026-03-01T10:00:01.000Z",
  late: false,
  snoozed: false,
  channels: ["sse"],
  timezone: "UTC",
};

test("a channel message is parsed against the registry; a malformed one is logged and dropped", async () => {
  const handled: unknown[] = [];
  const errors: string[] = [];
  const channels = channelHandlers("test", { "reminder.due": async (event) => void handled.push(event.key) });
  const self = { logger: { error: (message: string) => errors.push(message) } } as never;
  const event = reminderDue;
  expect(channels["reminder.due"]!.group).toBe("test");
  await channels["reminder.due"]!.handler.call(self, event);
  await channels["reminder.due"]!.handler.call(self, { ...event, recipientId: "not-a-user", channels: ["carrier-pigeon"] });
  expect(handled).toEqual([KEY]);
  expect(errors).toEqual([expect.stringMatching(/^malformed reminder.due message .* dropped/)]);
});

test("a JetStream message whose handler finds the database gone waits, goes back, and never becomes a dead letter for it", async () => {
  jest.useFakeTimers();
  try {
    const letters: unknown[] = [];
    const sink = { record: async (l: unknown) => (letters.push(l), { id: "1" }) } as never;
    let down = true;
    const handled: string[] = [];
    const channels = channelHandlers(
      "test",
      {
        "reminder.due": async (event) => {
          if (down) throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
          handled.push(event.key);
        },
      },
      {},
      sink,
    );
    const self = { logger: { error: () => undefined } } as never;
    const event = reminderDue;
    let working = 0;
    // Delivered far past CHANNEL_MAX_DELIVERIES already: an outage is still no reason to give up.
    const raw = { info: { redeliveryCount: 40 }, working: () => working++ };
    let settled = false;
    const first = channels["reminder.due"]!.handler.call(self, event, raw).finally(() => (settled = true));
    const failed = expect(first).rejects.toMatchObject({ code: "ECONNREFUSED" });
    await jest.advanceTimersByTimeAsync(900);
    expect(settled).toBe(false); // it waits before going back: no NAK storm
    await jest.advanceTimersByTimeAsync(200);
    await failed;
    expect(letters).toEqual([]);
    down = false;
    await channels["reminder.due"]!.handler.call(self, event, { info: { redeliveryCount: 41 }, working: () => working++ });
    expect(handled).toEqual([KEY]);
    expect(letters).toEqual([]);
  } finally {
    jest.useRealTimers();
  }
});

test("a lossy event is parsed against the registry; a malformed one never reaches the handler", async () => {
  const forgotten: string[][] = [];
  const events = eventHandlers({ "gateway.callersChanged": ({ userIds }) => void forgotten.push(userIds) }) as Record<string, (ctx: { params: unknown }) => void>;
  events["gateway.callersChanged"]!({ params: { userIds: ["00000000-0000-4000-8000-000000000001"] } });
  events["gateway.callersChanged"]!({ params: { userIds: "everyone" } });
  expect(forgotten).toEqual([["00000000-0000-4000-8000-000000000001"]]);
});

/**
 * Never run: `tsc --noEmit` checks that each of these fails to compile. Were one to compile,
 * its `@ts-expect-error` would be unused, and that is itself a compile error.
 */
export function wrongCallsDoNotCompile(auth: AuthMeta) {
  // @ts-expect-error an action the registry does not declare
  void call(broker, "tasks.destroyEverything", {});
  // @ts-expect-error a param of the wrong type
  void call(broker, "scheduler.snooze", { key: KEY, minutes: "15" });
  // @ts-expect-error a missing param
  void callAs(broker, auth, "tasks.get", {});
  // @ts-expect-error a result read as something it is not
  void call(broker, "tasks.create", { input: {} as never }).then((result) => result.task.id);
  // @ts-expect-error an event the registry does not declare
  void broadcast(broker, "gateway.everythingChanged", {});
  // @ts-expect-error a service that misses one of its declared actions
  serviceActions("scheduler", { health: () => ({ ok: true }) });
}

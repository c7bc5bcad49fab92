import { Middleware as ChannelsMiddleware } from "@moleculer/channels";
import { type Middleware, ServiceBroker } from "moleculer";
import { ManualClock } from "../clock";
import type { ReminderDueEvent } from "../contracts";
import { CHANNEL_MAX_DELIVERIES, channelHandlers } from "../broker/bus";
import { metricsText } from "../metrics";
import { postgresDb } from "../../test/support/db";
import { DeadLetters, migrateDeadLetters } from "./index";

const SCHEMA = "scheduler";
const clock = new ManualClock(new Date("2026-06-01T09:00:00Z"));
const TASK = "00000000-0000-4000-8000-000000000001";
const event: ReminderDueEvent = {
  key: "00000000-0000-4000-8000-000000000002@2026-06-01T09:00:00.000Z",
  taskId: TASK,
  reminderId: "00000000-0000-4000-8000-000000000002",
  ownerId: "00000000-0000-4000-8000-000000000003",
  recipientId: "00000000-0000-4000-8000-000000000003",
  title: "Far future",
  dueAt: null,
  occurrenceAt: null,
  fireAt: "2026-06-01T09:00:00.000Z",
  firedAt: "2026-06-01T09:00:00.000Z",
  late: false,
  snoozed: false,
  channels: ["sse"],
  timezone: "UTC",
};

let pg: Awaited<ReturnType<typeof postgresDb>>;
let letters: DeadLetters;
let broker: ServiceBroker;
let failing = true;
const attempts: string[] = [];
const applied: string[] = [];
const errors: string[] = [];

beforeAll(async () => {
  pg = await postgresDb(3);
  await migrateDeadLetters(pg.db, SCHEMA);
  await migrateDeadLetters(pg.db, SCHEMA); // a second replica's start changes nothing
  letters = new DeadLetters(pg.db, SCHEMA, clock);
  // The embedded adapter, as createBroker configures it: in-process, with no redelivery of its own.
  broker = new ServiceBroker({
    logger: false,
    middlewares: [ChannelsMiddleware({ adapter: { type: "Fake", options: { maxInFlight: null } } } as never) as unknown as Middleware],
  });
  broker.createService({
    name: "consumer",
    channels: channelHandlers(
      "consumer",
      {
        "reminder.due": async (e) => {
          attempts.push(e.key);
          if (failing) throw new RangeError("date out of range");
          applied.push(e.key);
        },
      },
      {},
      letters,
    ),
    created() {
      this.logger = { ...this.logger, error: (message: string) => void errors.push(message) } as never;
    },
  });
  await broker.start();
});
afterAll(async () => {
  await broker.stop();
  await pg.close();
});

async function until(check: () => Promise<boolean> | boolean): Promise<void> {
  for (let i = 0; i < 200 && !(await check()); i++) await new Promise((r) => setTimeout(r, 25));
  expect(await check()).toBe(true);
}

test("a message its handler keeps failing on is retried, then kept as a dead letter with a metric and a log line; replay applies it", async () => {
  await broker.sendToChannel("reminder.due", event);
  await until(async () => (await letters.list()).length === 1);
  expect(attempts).toHaveLength(CHANNEL_MAX_DELIVERIES);
  const [letter] = await letters.list();
  expect(letter).toMatchObject({ channel: "reminder.due", group: "consumer", payload: event, attempts: CHANNEL_MAX_DELIVERIES });
  expect(letter!.error).toContain("RangeError: date out of range");
  expect(errors.some((m) => m.includes(`task ${TASK}`) && m.includes(`dead letter ${letter!.id}`))).toBe(true);
  expect(await metricsText()).toMatch(/todogenie_dead_letters_total\{channel="reminder.due",group="consumer"\} 1/);

  failing = false;
  expect(await letters.replay(letter!.id, (l) => broker.sendToChannel(l.channel, l.payload))).toBe(true);
  await until(() => applied.length === 1);
  expect(applied).toEqual([event.key]);
  expect(await letters.list()).toEqual([]);
  expect(await letters.replay(letter!.id, async () => undefined)).toBe(false);
});

test("on JetStream a failure below the limit goes back for redelivery; at the limit it is recorded and acknowledged", async () => {
  failing = true;
  const channels = channelHandlers("jetstream", { "reminder.due": async () => { throw new Error("still broken"); } }, {}, letters);
  const self = { logger: { error: () => undefined } } as never;
  const handler = channels["reminder.due"]!.handler;
  await expect(handler.call(self, event, { info: { redeliveryCount: 1 } })).rejects.toThrow("still broken");
  expect(await letters.list()).toEqual([]);
  await expect(handler.call(self, event, { info: { redeliveryCount: CHANNEL_MAX_DELIVERIES } })).resolves.toBeUndefined();
  expect(await letters.list()).toMatchObject([{ group: "jetstream", attempts: CHANNEL_MAX_DELIVERIES }]);
});

test("a malformed message is kept at once, not retried", async () => {
  await pg.db(`${SCHEMA}.dead_letters`).delete();
  const channels = channelHandlers("malformed", { "reminder.due": async () => undefined }, {}, letters);
  await channels["reminder.due"]!.handler.call({ logger: { error: () => undefined } } as never, { ...event, channels: ["pigeon"] });
  expect(await letters.list()).toMatchObject([{ group: "malformed", attempts: 1, payload: { channels: ["pigeon"] } }]);
});

/**
 * A consumer made before the ack wait was 5 s keeps JetStream's 30 s (a client attaching to a
 * durable consumer takes its config as it is): alignConsumerAckWait sets it to today's on start.
 * Runs on the shared NATS (127.0.0.1:4222) under a namespace of its own.
 */
import { connect, nanos, NatsConnection } from "nats";
import { ServiceBroker } from "moleculer";
import { loadConfig } from "../config";
import { alignConsumerAckWait, createBroker } from ".";
import { CHANNEL_ACK_WAIT_MS } from "./bus";

const NATS_URL = process.env.TEST_NATS_URL ?? "nats://127.0.0.1:4222";
const NAMESPACE = `ackwait${Math.random().toString(36).slice(2, 8)}`;
let broker: ServiceBroker;
let nc: NatsConnection;

afterAll(async () => {
  await broker?.stop();
  if (nc) {
    const jsm = await nc.jetstreamManager();
    for await (const s of jsm.streams.list()) if (s.config.name.startsWith(NAMESPACE)) await jsm.streams.delete(s.config.name);
    await nc.close();
  }
});

test("a consumer left with a 30 s ack wait gets CHANNEL_ACK_WAIT_MS; one already right is left alone", async () => {
  const config = loadConfig({ DATABASE_URL: "postgres://unused", NATS_URL, BUS_SECRET: "b".repeat(32), SERVICES: "scheduler", LOG_LEVEL: "fatal", NAMESPACE });
  broker = createBroker(config);
  broker.createService({ name: "ackwaiter", channels: { "ack.wait.test": { group: "ackwaiter", handler: async () => undefined } } } as never);
  await broker.start();
  nc = await connect({ servers: NATS_URL });
  const jsm = await nc.jetstreamManager();
  const stream = (await jsm.streams.names().next()).find((n) => n.startsWith(NAMESPACE))!;
  expect(stream).toBeDefined();
  const [consumer] = await jsm.consumers.list(stream).next();
  expect(consumer!.config.ack_wait).toBe(nanos(CHANNEL_ACK_WAIT_MS));
  expect(await alignConsumerAckWait(broker)).toEqual([]);

  // What a consumer created by an older release looks like.
  await jsm.consumers.update(stream, consumer!.name, { ack_wait: nanos(30_000) });
  expect((await jsm.consumers.info(stream, consumer!.name)).config.ack_wait).toBe(nanos(30_000));
  expect(await alignConsumerAckWait(broker)).toEqual([`${stream}/${consumer!.name}`]);
  const after = await jsm.consumers.info(stream, consumer!.name);
  expect(after.config.ack_wait).toBe(nanos(CHANNEL_ACK_WAIT_MS));
  // The rest of its config is what it was: same durable, same queue group, same filter.
  expect(after.config).toMatchObject({ durable_name: consumer!.config.durable_name, deliver_group: consumer!.config.deliver_group, filter_subject: consumer!.config.filter_subject });
});

import { randomUUID } from "node:crypto";
import { connect, type NatsConnection, StringCodec } from "nats";
import { batchNatsWrites } from "./nats-writes";

const NATS_URL = process.env.TEST_NATS_URL ?? "nats://127.0.0.1:4222";
const codec = StringCodec();
let nc: NatsConnection;
beforeAll(async () => {
  batchNatsWrites();
  nc = await connect({ servers: NATS_URL });
});
afterAll(() => nc.close());

test("what one loop turn publishes, from many callbacks, leaves in one socket write and arrives in order", async () => {
  const subject = `todogenie.test.writes.${randomUUID()}`;
  const received: string[] = [];
  const sub = nc.subscribe(subject, { max: 100 });
  const done = (async () => {
    for await (const m of sub) received.push(codec.decode(m.data));
  })();
  await nc.flush();
  const transport = (nc as unknown as { protocol: { transport: { send(data: Uint8Array): void } } }).protocol.transport;
  const send = jest.spyOn(transport, "send");
  // A hundred timers due together run in one phase of one turn, as a poll's socket callbacks do;
  // each drains the microtask queue after it, where nats.js alone would write.
  await new Promise<void>((resolve) => {
    let published = 0;
    for (let i = 0; i < 100; i++) {
      setTimeout(() => {
        nc.publish(subject, codec.encode(String(i)));
        if (++published === 100) resolve();
      }, 0);
    }
  });
  await nc.flush();
  await done;
  // The hundred messages in one write, then flush's PING in another.
  expect(send.mock.calls.length).toBeLessThanOrEqual(2);
  expect(received).toEqual(Array.from({ length: 100 }, (_, i) => String(i)));
});

test("a request and its reply still go through at once on an idle connection", async () => {
  const subject = `todogenie.test.writes.${randomUUID()}`;
  const sub = nc.subscribe(subject, { max: 1, callback: (_err, m) => m.respond(codec.encode(`re: ${codec.decode(m.data)}`)) });
  const reply = await nc.request(subject, codec.encode("ping"), { timeout: 2_000 });
  expect(codec.decode(reply.data)).toBe("re: ping");
  sub.unsubscribe();
});

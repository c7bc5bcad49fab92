/**
 * A change whose request, or whose answer, NATS lost fails as soon as the callee says so, not at
 * the 10 s timeout; one still running is waited for. Two brokers on the shared NATS
 * (127.0.0.1:4222) under a namespace of their own; the loss is made by dropping the packet.
 */
import { Errors, ServiceBroker } from "moleculer";
import { loadConfig } from "../config";
import { createBroker } from ".";
import { PROBE_AFTER_MS } from "./lost-requests";
import { REQUEST_TIMEOUT_MS } from "./fail-fast";

const NATS_URL = process.env.TEST_NATS_URL ?? "nats://127.0.0.1:4222";
const NAMESPACE = `lost${Math.random().toString(36).slice(2, 8)}`;
const config = (services: string) =>
  loadConfig({ DATABASE_URL: "postgres://unused", NATS_URL, BUS_SECRET: "b".repeat(32), JWT_SECRET: "j".repeat(32), CURSOR_SECRET: "c".repeat(32), SERVICES: services, LOG_LEVEL: "fatal", NAMESPACE });

let caller: ServiceBroker;
let callee: ServiceBroker;
const ran: string[] = [];
let release: (() => void) | undefined;
/** Drops the next packet of this type the callee's transporter receives or sends. */
let drop: { receive?: string; send?: string } = {};

beforeAll(async () => {
  caller = createBroker(config("gateway"), "lost-caller");
  callee = createBroker(config("tasks"), "lost-callee");
  callee.createService({
    name: "writer",
    actions: {
      write: {
        handler: async (ctx: { params: { key: string; slow?: boolean } }) => {
          ran.push(ctx.params.key);
          if (ctx.params.slow) await new Promise<void>((resolve) => (release = resolve));
          return { written: ctx.params.key };
        },
      },
    },
  } as never);
  const tx = (callee.transit as unknown as { tx: { receive(cmd: string, msg: Buffer): unknown; send(topic: string, data: Buffer, meta: { packet: { type: string } }): Promise<void> } }).tx;
  const receive = tx.receive.bind(tx);
  tx.receive = (cmd, msg) => {
    if (cmd === drop.receive) return void (drop.receive = undefined);
    return receive(cmd, msg);
  };
  const send = tx.send.bind(tx);
  tx.send = (topic, data, meta) => {
    if (meta.packet.type === drop.send) return Promise.resolve(void (drop.send = undefined));
    return send(topic, data, meta);
  };
  await Promise.all([callee.start(), caller.start()]);
  await caller.waitForServices("writer", 10_000);
});
afterAll(async () => {
  release?.();
  await caller?.stop();
  await callee?.stop();
});

test("a change that never reached its callee is rejected after the first probe, long before its timeout", async () => {
  drop = { receive: "REQ" };
  const started = performance.now();
  await expect(caller.call("writer.write", { key: "lost-request" })).rejects.toBeInstanceOf(Errors.RequestRejectedError);
  expect(performance.now() - started).toBeLessThan(REQUEST_TIMEOUT_MS / 2);
  expect(ran).not.toContain("lost-request");
});

test("a change made whose answer was lost is rejected too (made once, never retried)", async () => {
  drop = { send: "RES" };
  const started = performance.now();
  await expect(caller.call("writer.write", { key: "lost-answer" })).rejects.toBeInstanceOf(Errors.RequestRejectedError);
  expect(performance.now() - started).toBeLessThan(REQUEST_TIMEOUT_MS / 2);
  expect(ran.filter((k) => k === "lost-answer")).toEqual(["lost-answer"]);
});

test("a change still running when probed is waited for, through several probes", async () => {
  drop = {};
  const answer = caller.call("writer.write", { key: "slow", slow: true });
  // Past two probes, each answered "running".
  await new Promise((resolve) => setTimeout(resolve, 2.5 * PROBE_AFTER_MS));
  release!();
  await expect(answer).resolves.toEqual({ written: "slow" });
});

/**
 * Outbound webhooks from one notify process: 10,000 deliveries a minute to a local receiver, and
 * the time from a change to its delivery (p50/p99/max).
 *
 *   npx tsx bench/webhooks.ts [perMinute=10000] [seconds=60] [subscriptions=10]
 *
 * Distributed mode against the local Postgres and NATS: one notify process (SERVICES=notify)
 * with WEBHOOK_ALLOWED_HOSTS=127.0.0.1, and this script publishing task.created events on the
 * durable channel at an even rate, each stamped with the time of the change (`occurredAt`). The
 * receiver (in this script) answers 200 and records, per request, now − occurredAt: the channel,
 * the fan-out into webhook_deliveries, the claim, signing and the HTTP request. The outbox relay's
 * hop before the channel (the tasks service's) is not in it. `subscriptions` users each own one
 * subscription; events are spread over them.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { loadavg, cpus } from "node:os";
import { createBroker, durablePublisher } from "../libs/broker";
import { loadConfig } from "../libs/config";
import type { TaskEvent } from "../libs/contracts";
import { openDatabase } from "../libs/db";
import { randomTasks, seeded } from "../test/support/task-fixtures";
import { createDatabase, NATS_URL, startProcess, stopProcess, TEST_BUS_SECRET, TEST_JWT_SECRET, TEST_ONLY_ENV } from "../test/support/stack";
import { WebhookReceiver } from "../test/support/webhook-receiver";

const PER_MINUTE = Number(process.argv[2] ?? 10_000);
const SECONDS = Number(process.argv[3] ?? 60);
const SUBSCRIPTIONS = Number(process.argv[4] ?? 10);

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

async function main() {
  const database = await createDatabase();
  const namespace = `bench${randomBytes(3).toString("hex")}`;
  const receiver = new WebhookReceiver();
  const base = await receiver.start();
  const latencies: number[] = [];
  const seen = new Set<string>();
  let duplicates = 0;
  receiver.onRequest = (r) => {
    const id = String(r.headers["webhook-id"]);
    if (seen.has(id)) duplicates++;
    seen.add(id);
    const body = JSON.parse(r.body) as { timestamp: string };
    latencies.push(r.at - Date.parse(body.timestamp));
  };
  const env = {
    ...TEST_ONLY_ENV,
    DATABASE_URL: database.url,
    NATS_URL,
    NAMESPACE: namespace,
    JWT_SECRET: TEST_JWT_SECRET,
    BUS_SECRET: TEST_BUS_SECRET,
    SERVICES: "notify",
    LOG_LEVEL: "warn",
    WEBHOOK_ALLOWED_HOSTS: "127.0.0.1",
  };
  const notify = startProcess(env, "notify");
  await notify.ready;
  const db = openDatabase({ databaseUrl: database.url, poolSize: 1 });
  const config = loadConfig({ ...env, SERVICES: "tasks" });
  const broker = createBroker(config);
  await broker.start();
  const publish = durablePublisher(broker, config);
  try {
    const owners = Array.from({ length: SUBSCRIPTIONS }, () => randomUUID());
    const now0 = new Date();
    await db("notify.webhook_subscriptions").insert(
      owners.map((userId, i) => ({
        id: randomUUID(), user_id: userId, url: `${base}/hook-${i}`, events: ["task.created"], secret: `whsec_${randomBytes(32).toString("base64")}`,
        enabled: true, created_at: now0, updated_at: now0,
      })),
    );
    // Let notify's JetStream consumers come up before the first event.
    await new Promise((r) => setTimeout(r, 3000));
    const total = Math.round((PER_MINUTE * SECONDS) / 60);
    const intervalMs = 60_000 / PER_MINUTE;
    const load0 = loadavg();
    console.log(`publishing ${total} task.created events over ${SECONDS} s to ${SUBSCRIPTIONS} subscriptions (load ${load0.map((l) => l.toFixed(2)).join(" ")})`);
    const rand = seeded(7);
    const started = Date.now();
    for (let i = 0; i < total; i++) {
      const due = started + i * intervalMs;
      const wait = due - Date.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      const ownerId = owners[i % owners.length]!;
      const task = randomTasks(1, ownerId, rand)[0]!;
      const event: TaskEvent = { key: randomUUID(), type: "task.created", taskId: task.id, ownerId, version: 1, occurredAt: new Date().toISOString(), timezone: "UTC", task };
      void publish("task.created", event, event.key).catch((err) => console.error("publish failed", err));
    }
    const publishedIn = (Date.now() - started) / 1000;
    const deadline = Date.now() + 60_000;
    while (seen.size < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    const elapsed = (Date.now() - started) / 1000;
    const sorted = [...latencies].sort((a, b) => a - b);
    // Where the time went: change → delivery row (channel + fan-out), row → attempt (queue + claim).
    const { rows: [split] } = await db.raw(
      `select percentile_cont(0.5) within group (order by extract(epoch from created_at - (body->>'timestamp')::timestamptz)) * 1000 as fan_out_p50,
              percentile_cont(0.99) within group (order by extract(epoch from created_at - (body->>'timestamp')::timestamptz)) * 1000 as fan_out_p99,
              percentile_cont(0.5) within group (order by extract(epoch from last_attempt_at - created_at)) * 1000 as queue_p50,
              percentile_cont(0.99) within group (order by extract(epoch from last_attempt_at - created_at)) * 1000 as queue_p99
         from notify.webhook_deliveries`,
    );
    const load1 = loadavg();
    console.log(
      JSON.stringify(
        {
          date: new Date().toISOString(),
          cpus: `${cpus().length} × ${cpus()[0]?.model}`,
          loadBefore: load0.map((l) => Number(l.toFixed(2))),
          loadAfter: load1.map((l) => Number(l.toFixed(2))),
          events: total,
          publishedInSeconds: Number(publishedIn.toFixed(1)),
          delivered: seen.size,
          duplicates,
          deliveredPerMinute: Math.round((seen.size / elapsed) * 60),
          splitMs: Object.fromEntries(Object.entries(split as Record<string, number>).map(([k, v]) => [k, Math.round(Number(v))])),
          latencyMs: { p50: quantile(sorted, 0.5), p90: quantile(sorted, 0.9), p99: quantile(sorted, 0.99), max: sorted[sorted.length - 1] },
        },
        null,
        2,
      ),
    );
  } finally {
    await broker.stop();
    await stopProcess(notify.child);
    await receiver.stop();
    await db.destroy();
    await database.drop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

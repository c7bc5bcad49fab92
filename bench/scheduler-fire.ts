/**
 * 100,000 reminders due within one minute, two scheduler replicas in distributed mode.
 * Checks every reminder fired exactly once and measures fire lag and throughput.
 *
 *   npx tsx bench/scheduler-fire.ts [count=100000] [spreadSeconds=60]
 *
 * Needs the local Postgres and NATS (JetStream). Writes nothing to the repo: copy the
 * printed summary into bench/RESULTS.md.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { connect } from "nats";
import { openDatabase } from "../libs/db";
import { createDatabase, NATS_URL, startProcess, stopProcess, TEST_BUS_SECRET, TEST_JWT_SECRET, TEST_ONLY_ENV } from "../test/support/stack";

const COUNT = Number(process.argv[2] ?? 100_000);
const SPREAD_S = Number(process.argv[3] ?? 60);
const LEAD_S = 10;

async function main() {
  const database = await createDatabase();
  const namespace = `bench${randomBytes(3).toString("hex")}`;
  const env = { ...TEST_ONLY_ENV, DATABASE_URL: database.url, NATS_URL, NAMESPACE: namespace, JWT_SECRET: TEST_JWT_SECRET, BUS_SECRET: TEST_BUS_SECRET, SERVICES: "scheduler", DB_POOL_SIZE: "5", LOG_LEVEL: "warn" };
  const replicas = [startProcess(env, "scheduler-1"), startProcess(env, "scheduler-2")];
  await Promise.all(replicas.map((r) => r.ready));
  const db = openDatabase({ databaseUrl: database.url, poolSize: 4 });
  try {
    const start = Date.now() + LEAD_S * 1000;
    console.log(`seeding ${COUNT} reminders due between +${LEAD_S}s and +${LEAD_S + SPREAD_S}s`);
    for (let i = 0; i < COUNT; i += 5000) {
      const rows = Array.from({ length: Math.min(5000, COUNT - i) }, (_, j) => {
        const fireAt = new Date(start + ((i + j) / COUNT) * SPREAD_S * 1000);
        const reminderId = randomUUID();
        return {
          id: randomUUID(), key: `${reminderId}@${fireAt.toISOString()}`, task_id: randomUUID(), reminder_id: reminderId, owner_id: randomUUID(),
          recipient_id: randomUUID(), title: "bench", fire_at: fireAt, channels: ["sse"], timezone: "UTC",
        };
      });
      await db("scheduler.jobs").insert(rows);
    }
    console.log(`seeded; firing starts in ${Math.round((start - Date.now()) / 1000)} s`);
    const deadline = start + (SPREAD_S + 60) * 1000;
    let pending = COUNT;
    while (pending > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 2000));
      pending = Number((await db("scheduler.jobs").where({ state: "pending" }).count({ n: "*" }))[0]!.n);
      process.stdout.write(`\rpending ${pending}      `);
    }
    // Let the relays drain the outbox into JetStream.
    for (let i = 0; i < 60; i++) {
      const left = Number((await db("scheduler.outbox").count({ n: "*" }))[0]!.n);
      if (left === 0) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    const stats = await db.raw(`
      select count(*)::int as fired,
             count(distinct key)::int as distinct_keys,
             percentile_cont(0.5) within group (order by extract(epoch from fired_at - fire_at)) * 1000 as p50_ms,
             percentile_cont(0.99) within group (order by extract(epoch from fired_at - fire_at)) * 1000 as p99_ms,
             max(extract(epoch from fired_at - fire_at)) * 1000 as max_ms,
             extract(epoch from max(fired_at) - min(fired_at)) as span_s
      from scheduler.jobs where state = 'fired'`);
    const nc = await connect({ servers: NATS_URL });
    const jsm = await nc.jetstreamManager();
    const stream = await jsm.streams.info(`${namespace}_reminder_due`);
    await jsm.streams.delete(`${namespace}_reminder_due`);
    await nc.close();
    const s = stats.rows[0];
    console.log("\n" + JSON.stringify({ reminders: COUNT, replicas: 2, ...s, published_to_jetstream: stream.state.messages, pending_left: pending }, null, 2));
    console.log(`throughput: ${Math.round(s.fired / Math.max(s.span_s, 1))} reminders/s over the firing window`);
  } finally {
    await db.destroy();
    for (const r of replicas) await stopProcess(r.child);
    await database.drop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

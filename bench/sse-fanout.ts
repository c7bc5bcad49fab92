/**
 * 10,000 concurrent SSE streams on one notify process: memory per idle stream, and the time
 * for one notification to reach all of them (from publishing reminder.due to the last frame).
 *
 *   npx tsx bench/sse-fanout.ts [streams=10000]
 *
 * Distributed mode against the local Postgres and NATS. The streams belong to one user, so a
 * single notification fans out to every one of them.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import http from "node:http";
import jwt from "jsonwebtoken";
import { createBroker, durablePublisher } from "../libs/broker";
import { openDatabase } from "../libs/db";
import { loadConfig } from "../libs/config";
import type { ReminderDueEvent } from "../libs/contracts";
import { createDatabase, NATS_URL, startProcess, stopProcess, TEST_BUS_SECRET, TEST_JWT_SECRET, TEST_ONLY_ENV } from "../test/support/stack";

const STREAMS = Number(process.argv[2] ?? 10_000);
const PORT = 3902;

const rssKb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]);

async function main() {
  const database = await createDatabase();
  const namespace = `bench${randomBytes(3).toString("hex")}`;
  const env = { ...TEST_ONLY_ENV, DATABASE_URL: database.url, NATS_URL, NAMESPACE: namespace, JWT_SECRET: TEST_JWT_SECRET, BUS_SECRET: TEST_BUS_SECRET, SERVICES: "notify", NOTIFY_PORT: String(PORT), HOST: "127.0.0.1", LOG_LEVEL: "warn" };
  // Notify checks the recipient may see the task, so the tasks service runs too, with a real task.
  const tasks = startProcess({ ...env, SERVICES: "tasks", CURSOR_SECRET: TEST_JWT_SECRET }, "tasks");
  await tasks.ready;
  const notify = startProcess(env, "notify");
  await notify.ready;
  const db = openDatabase({ databaseUrl: database.url, poolSize: 1 });
  const broker = createBroker(loadConfig({ ...env, SERVICES: "tasks" }));
  await broker.start();
  const sockets: http.ClientRequest[] = [];
  try {
    const userId = randomUUID();
    const taskId = randomUUID();
    const now0 = new Date();
    await db("tasks.tasks").insert({ id: taskId, owner_id: userId, title: "bench", status: "todo", priority: 0, created_at: now0, updated_at: now0 });
    const token = jwt.sign({ roles: ["member"] }, TEST_JWT_SECRET, { subject: userId, issuer: "todogenie", audience: "todogenie-api", expiresIn: 3600 });
    await new Promise((r) => setTimeout(r, 2000));
    const baseline = rssKb(notify.child.pid!);
    let received = 0;
    let allReceived!: () => void;
    const done = new Promise<void>((r) => (allReceived = r));
    const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity });
    console.log(`opening ${STREAMS} streams (notify RSS ${Math.round(baseline / 1024)} MiB)`);
    for (let opened = 0; opened < STREAMS; ) {
      const batch = Math.min(500, STREAMS - opened);
      await Promise.all(
        Array.from({ length: batch }, () => new Promise<void>((resolve, reject) => {
          const req = http.get({ host: "127.0.0.1", port: PORT, path: "/api/v1/notifications/stream", agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
            if (res.statusCode !== 200) return reject(new Error(`status ${res.statusCode}`));
            res.setEncoding("utf8");
            res.on("data", (chunk: string) => {
              if (chunk.includes("event: reminder") && ++received === STREAMS) allReceived();
            });
            resolve();
          });
          req.on("error", reject);
          sockets.push(req);
        })),
      );
      opened += batch;
    }
    await new Promise((r) => setTimeout(r, 3000));
    const loaded = rssKb(notify.child.pid!);
    const perStreamKb = (loaded - baseline) / STREAMS;
    console.log(`open: notify RSS ${Math.round(loaded / 1024)} MiB, ${perStreamKb.toFixed(1)} KB per idle stream`);

    const now = new Date();
    const event: ReminderDueEvent = {
      key: `${randomUUID()}@${now.toISOString()}`, taskId, reminderId: randomUUID(), ownerId: userId, recipientId: userId,
      title: "bench", dueAt: null, occurrenceAt: null, fireAt: now.toISOString(), firedAt: now.toISOString(), late: false, snoozed: false,
      channels: ["sse"], timezone: "UTC",
    };
    const t0 = performance.now();
    await durablePublisher(broker, loadConfig({ ...env, SERVICES: "tasks" }))("reminder.due", event, event.key);
    await Promise.race([done, new Promise((_, reject) => setTimeout(() => reject(new Error(`only ${received} received`)), 30_000))]);
    const ms = performance.now() - t0;
    console.log(JSON.stringify({ streams: STREAMS, baselineRssMiB: Math.round(baseline / 1024), loadedRssMiB: Math.round(loaded / 1024), perIdleStreamKB: Number(perStreamKb.toFixed(1)), broadcastToAllMs: Math.round(ms) }, null, 2));
  } finally {
    sockets.forEach((s) => s.destroy());
    await broker.stop();
    await stopProcess(notify.child);
    await stopProcess(tasks.child);
    await db.destroy();
    await database.drop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

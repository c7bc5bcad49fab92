import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import path from "node:path";
import { postgresDb } from "../../test/support/db";
import { ROOT } from "../../test/support/stack";
import { migrations, SCHEDULER_SCHEMA } from "./migrations";

const WORKER = path.join(ROOT, "test/support/scheduler-workers/fire-worker.ts");
const JOBS = 3000;

function runWorker(url: string, killAfterFirstBatch: boolean): Promise<{ code: number | null; signal: NodeJS.Signals | null; batches: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", WORKER], { cwd: ROOT, env: { ...process.env, DATABASE_URL: url }, stdio: ["ignore", "pipe", "pipe"] });
    let batches = 0;
    let stderr = "";
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.stdout.on("data", (chunk: Buffer) => {
      batches += chunk.toString().split("\n").filter((l) => l.startsWith("fired")).length;
      if (killAfterFirstBatch && batches >= 1) child.kill("SIGKILL");
    });
    child.once("error", reject);
    child.once("exit", (code, signal) => (code && code !== 0 ? reject(new Error(stderr)) : resolve({ code, signal, batches })));
  });
}

test("a scheduler killed with SIGKILL while firing loses no reminder and fires none twice", async () => {
  const pg = await postgresDb(3, { schema: SCHEDULER_SCHEMA, migrations });
  try {
    const past = new Date(Date.now() - 60_000);
    const rows = Array.from({ length: JOBS }, (_, i) => {
      const reminderId = randomUUID();
      return {
        id: randomUUID(), key: `${reminderId}@${past.toISOString()}`, task_id: randomUUID(), reminder_id: reminderId,
        owner_id: randomUUID(), recipient_id: randomUUID(), title: `T${i}`, fire_at: past, channels: ["sse"], timezone: "UTC",
      };
    });
    for (let i = 0; i < rows.length; i += 500) await pg.db(`${SCHEDULER_SCHEMA}.jobs`).insert(rows.slice(i, i + 500));

    const killed = await runWorker(pg.url, true);
    expect(killed.signal).toBe("SIGKILL");
    const firedBeforeRestart = Number((await pg.db(`${SCHEDULER_SCHEMA}.jobs`).where({ state: "fired" }).count({ n: "*" }))[0]!.n);
    expect(firedBeforeRestart).toBeLessThan(JOBS);

    const survivor = await runWorker(pg.url, false);
    expect(survivor.code).toBe(0);
    const outbox = await pg.db(`${SCHEDULER_SCHEMA}.outbox`).select("key");
    expect(outbox).toHaveLength(JOBS);
    expect(new Set(outbox.map((r) => r.key)).size).toBe(JOBS);
    expect(await pg.db(`${SCHEDULER_SCHEMA}.jobs`).where({ state: "pending" }).count({ n: "*" })).toEqual([{ n: 0 }]);
  } finally {
    await pg.close();
  }
}, 60_000);

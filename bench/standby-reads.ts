/**
 * Reads on a standby take their share of the Postgres CPU (issue 20).
 *
 *   npx tsx bench/standby-reads.ts [seconds=15] [connections=8] [tasks=5000]
 *
 * A primary and a hot standby of its own (test/fault/postgres-pair.ts: initdb, pg_basebackup -R,
 * synchronous streaming, this machine's Postgres 15 on free ports), the tasks schema migrated and
 * `tasks` tasks seeded for one user; then the tasks service's list (page 1 of 50, todo and in
 * progress by due date) run by `connections` loops for `seconds`, through the ReadRouter twice:
 * without a standby (every read on the primary), then with DATABASE_READ_URL's standby (the LSN
 * rule). Reported: lists a second, and the CPU seconds each server's processes used (utime +
 * stime of the postmaster's children from /proc), so the share the standby took is visible. A
 * third run writes a task every 20 ms meanwhile: the rule sends a read to the primary when the
 * standby has not replayed the primary's position within 20 ms.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { packAbility } from "../libs/authz";
import { ManualClock } from "../libs/clock";
import { createTaskInput, listTasksQuery } from "../libs/contracts";
import { Db, openDatabase } from "../libs/db";
import { migrateSchema } from "../libs/db/migrate";
import { ReadRouter } from "../libs/db/read-routing";
import { CursorCodec } from "../libs/task-query";
import { migrations, TASKS_SCHEMA } from "../services/tasks/migrations";
import { TaskLister } from "../services/tasks/task-list";
import { TaskStore } from "../services/tasks/task-store";
import { TaskWriter } from "../services/tasks/task-writer";
import { PostgresPair } from "../test/fault/postgres-pair";

const [SECONDS = 15, CONNECTIONS = 8, TASKS = 5_000] = process.argv.slice(2).map(Number);
const USER = "00000000-0000-4000-8000-0000000000be";
const TICKS = 100; // USER_HZ

/** CPU seconds (user + system) of a postmaster's processes: itself, its live children, and those that ended. */
function serverCpu(postmasterPid: number): number {
  let ticks = 0;
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const ppid = Number(fields[1]);
      if (Number(entry) !== postmasterPid && ppid !== postmasterPid) continue;
      ticks += Number(fields[11]) + Number(fields[12]);
      // The postmaster also carries the CPU of the backends that ended (reaped children): cutime, cstime.
      if (Number(entry) === postmasterPid) ticks += Number(fields[13]) + Number(fields[14]);
    } catch {
      // A process that ended meanwhile.
    }
  }
  return ticks / TICKS;
}

const postmaster = (dataDir: string) => Number(readFileSync(path.join(dataDir, "postmaster.pid"), "utf8").split("\n")[0]);

async function main(): Promise<void> {
  const pair = await PostgresPair.start();
  const primary = openDatabase({ databaseUrl: pair.url(pair.primaryPort), poolSize: CONNECTIONS + 2 });
  const standby = openDatabase({ databaseUrl: pair.standbyUrl, poolSize: CONNECTIONS + 2 });
  try {
    await migrateSchema(primary, TASKS_SCHEMA, migrations);
    const clock = new ManualClock(new Date("2026-11-30T06:00:00Z"));
    const writer = new TaskWriter(primary, clock, () => undefined);
    const store = new TaskStore(writer);
    const auth = packAbility({ id: USER, roles: ["member"] }, []);
    const statuses = ["todo", "in_progress", "done"] as const;
    for (let i = 0; i < TASKS; i += 50) {
      await Promise.all(
        Array.from({ length: Math.min(50, TASKS - i) }, (_, j) =>
          store.create(auth, createTaskInput.parse({ title: `bench task ${i + j}`, status: statuses[(i + j) % 3], dueAt: new Date(Date.parse("2026-12-01T00:00:00Z") + (i + j) * 60_000).toISOString() })),
        ),
      );
    }
    await primary.raw("analyze");
    const pids = { primary: postmaster(pair.dataDir("primary")), standby: postmaster(pair.dataDir("standby")) };
    const cursors = new CursorCodec("b".repeat(32), clock);
    const query = listTasksQuery.parse({ status: "todo,in_progress", sort: "dueAt", limit: "50" });

    const rows: string[] = [];
    for (const [label, withStandby, writing] of [
      ["every read on the primary", false, false],
      ["with the standby (LSN rule)", true, false],
      ["with the standby, a write every 20 ms", true, true],
    ] as const) {
      const router = new ReadRouter(primary, withStandby ? standby : undefined);
      const listers = router.per((db: Db) => new TaskLister(db, cursors, clock));
      const cpu0 = { primary: serverCpu(pids.primary), standby: serverCpu(pids.standby) };
      const until = Date.now() + SECONDS * 1000;
      let lists = 0;
      let writes = 0;
      const writer = writing
        ? (async () => {
            while (Date.now() < until) {
              await store.create(auth, createTaskInput.parse({ title: `write ${writes}` }));
              writes++;
              await new Promise((r) => setTimeout(r, 20));
            }
          })()
        : Promise.resolve();
      await Promise.all(
        Array.from({ length: CONNECTIONS }, async () => {
          while (Date.now() < until) {
            await listers.run((l) => l.list(auth, query));
            lists++;
          }
        }),
      );
      await writer;
      const cpu = { primary: serverCpu(pids.primary) - cpu0.primary, standby: serverCpu(pids.standby) - cpu0.standby };
      const s = router.stats;
      rows.push(
        `| ${label} | ${(lists / SECONDS).toFixed(0)} | ${writes} | ${cpu.primary.toFixed(2)} | ${cpu.standby.toFixed(2)} | ${((100 * cpu.standby) / Math.max(0.01, cpu.primary + cpu.standby)).toFixed(0)} % | ${s.standby} / ${s.primary} (${s.lagging} lagging) |`,
      );
    }
    const load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
    console.log(`${new Date().toISOString()}, ${TASKS} tasks, ${CONNECTIONS} loops × ${SECONDS} s, load average after: ${load}`);
    console.log("| run | lists/s | writes | primary CPU s | standby CPU s | standby share | reads standby / primary |");
    console.log("| --- | ---: | ---: | ---: | ---: | ---: | --- |");
    for (const r of rows) console.log(r);
  } finally {
    await primary.destroy();
    await standby.destroy();
    pair.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

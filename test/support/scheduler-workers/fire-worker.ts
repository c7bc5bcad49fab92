/** A scheduler replica reduced to its firing loop, for the crash test: it fires in small batches and reports each. */
import { systemClock } from "../../../libs/clock";
import { openDatabase } from "../../../libs/db";
import { ReminderScheduler } from "../../../services/scheduler/reminder-scheduler";

async function main() {
  const db = openDatabase({ databaseUrl: process.env.DATABASE_URL, poolSize: 2 });
  const scheduler = new ReminderScheduler(db, systemClock);
  for (let n = await scheduler.fireDue(20); n > 0; n = await scheduler.fireDue(20)) process.stdout.write(`fired ${n}\n`);
  await db.destroy();
}

main().catch((err) => {
  process.stderr.write(String(err));
  process.exit(1);
});

/**
 * Times a delta sync of a 100,000-task account from scratch, page by page (limit 500), at the
 * feed (services/tasks/sync.ts) against its own fresh database: `npx tsx bench/sync.ts`.
 */
import { packAbility } from "../libs/authz";
import { systemClock } from "../libs/clock";
import { migrations, TASKS_SCHEMA } from "../services/tasks/migrations";
import { SyncFeed } from "../services/tasks/sync";
import { postgresDb } from "../test/support/db";
import { HEAVY_TASKS, HEAVY_USER } from "./bench-env";

async function main(): Promise<void> {
  const pg = await postgresDb(2, { schema: TASKS_SCHEMA, migrations });
  try {
    await pg.db.raw(
      `insert into ${TASKS_SCHEMA}.tasks (id, owner_id, title, status, created_at, updated_at)
       select gen_random_uuid(), ?, 'Task ' || i, 'todo', now(), now() from generate_series(1, ?) i`,
      [HEAVY_USER, HEAVY_TASKS],
    );
    await pg.db.raw(`analyze ${TASKS_SCHEMA}.tasks`);
    const feed = new SyncFeed(pg.db, "bench-sync-secret-0123456789-0123456789", systemClock);
    const auth = packAbility({ id: HEAVY_USER, roles: ["member"] });
    const started = performance.now();
    let token: string | undefined;
    let tasks = 0;
    let pages = 0;
    let slowest = 0;
    for (;;) {
      const t0 = performance.now();
      const page = await feed.page(auth, token, 500);
      slowest = Math.max(slowest, performance.now() - t0);
      tasks += page.tasks.length;
      pages++;
      token = page.nextToken;
      if (!page.hasMore) break;
    }
    const total = performance.now() - started;
    console.log(`${tasks} tasks in ${pages} pages: ${(total / 1000).toFixed(2)} s in all, ${(total / pages).toFixed(1)} ms a page on average, slowest ${slowest.toFixed(1)} ms`);
  } finally {
    await pg.close();
  }
}

void main();

/**
 * Loads 1,000,000 tasks for 10,000 users (one with 100,000) into a fresh distributed-mode
 * database, and the same documents into the search service's Postgres index, with
 * INSERT ... SELECT in the database (no rows cross the wire). Run by hand:
 *   npm run bench:seed   (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/todogenie_bench)
 */
import { Client } from "pg";
import { openDatabase } from "../libs/db";
import { migrateSchema } from "../libs/db/migrate";
import { hashPassword } from "../services/gateway/auth/passwords";
import { AUTH_SCHEMA, migrations as authMigrations } from "../services/gateway/migrations";
import { migrations as searchMigrations, SCOPE_SQL, SCOPE_WORDS, SEARCH_SCHEMA } from "../services/search/migrations";
import { MAX_WORD_LENGTH } from "../services/search/pg/text-query";
import { migrations as taskMigrations, TASKS_SCHEMA } from "../services/tasks/migrations";
import { BENCH_DATABASE_URL, HEAVY_TASKS, HEAVY_USER, NOUNS, TAGS, TYPICAL_MIN, TYPICAL_SPREAD, USERS, VERBS } from "./bench-env";

const sqlArray = (values: string[]) => `array[${values.map((v) => `'${v.replace(/'/g, "''")}'`).join(", ")}]`;

async function recreateDatabase(): Promise<void> {
  const url = new URL(BENCH_DATABASE_URL);
  const name = url.pathname.slice(1);
  url.pathname = "/postgres";
  const admin = new Client({ connectionString: url.toString() });
  await admin.connect();
  await admin.query(`drop database if exists ${name} with (force)`);
  await admin.query(`create database ${name}`);
  await admin.end();
}

async function timed<T>(label: string, work: () => Promise<T>): Promise<T> {
  const started = Date.now();
  const result = await work();
  process.stdout.write(`${label}: ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return result;
}

async function main(): Promise<void> {
  await recreateDatabase();
  const db = openDatabase({ databaseUrl: BENCH_DATABASE_URL, poolSize: 2 });
  await migrateSchema(db, AUTH_SCHEMA, authMigrations);
  await migrateSchema(db, TASKS_SCHEMA, taskMigrations);
  await migrateSchema(db, SEARCH_SCHEMA, searchMigrations);
  await db.raw("set maintenance_work_mem = '512MB'");

  // Every user signs in with "bench password 1"; user k has id ...-<k in hex>, user 1 is the heavy one.
  const hash = await hashPassword("bench password 1");
  await timed("users", () =>
    db.raw(
      `insert into ${AUTH_SCHEMA}.users (id, email, password_hash, name, created_at, updated_at)
       select ('00000000-0000-4000-8000-' || lpad(to_hex(k), 12, '0'))::uuid, 'user' || k || '@bench.example', ?, 'User ' || k, now(), now()
       from generate_series(1, ?) k`,
      [hash, USERS],
    ),
  );

  // Tasks: per user a count, then one row per (user, n), each value drawn independently.
  // In one transaction, so setseed governs every random() of the load: the same data each run.
  await timed("tasks (1M rows, with the list indexes)", () =>
    db.transaction(async (trx) => {
      await trx.raw("select setseed(0.42)");
      await trx.raw(
      `insert into ${TASKS_SCHEMA}.tasks (id, owner_id, title, description, status, priority, due_at, start_at, completed_at, tags, created_at, updated_at, version)
       select gen_random_uuid(), owner,
              (${sqlArray(VERBS)})[1 + floor(r.verb * ${VERBS.length})::int] || ' ' || (${sqlArray(NOUNS)})[1 + floor(r.noun * ${NOUNS.length})::int],
              case when r.described < 0.25 then 'Notes about the ' || (${sqlArray(NOUNS)})[1 + floor(r.noun2 * ${NOUNS.length})::int] else '' end,
              (array['todo','todo','todo','in_progress','done','done'])[1 + floor(r.status * 6)::int],
              floor(r.priority * 5)::int,
              case when r.dated < 0.7 then now() - interval '60 days' + floor(r.due * 120 * 24) * interval '1 hour' end,
              null,
              case when r.status >= 4.0 / 6 then created + r.edited * interval '1 minute' end,
              (${sqlArray(TAGS)})[1 + floor(r.tag * ${TAGS.length})::int:1 + floor(r.tag * ${TAGS.length})::int + floor(r.tags * 2)::int],
              created, created + r.edited * interval '1 minute', 1
       from (
         select k, ('00000000-0000-4000-8000-' || lpad(to_hex(k), 12, '0'))::uuid as owner,
                case when k = 1 then ? else ? + (k * 7919) % ? end as tasks
         from generate_series(1, ?) k
       ) u,
       lateral generate_series(1, u.tasks) n,
       -- Referring to n makes each lateral row its own draw instead of one evaluated once.
       lateral (select random() as verb, random() as noun, random() as noun2, random() as described, random() as status, random() as priority,
                       random() as dated, random() as due, random() as tag, random() as tags, floor(random() * 2000) as edited, n as row_n) r,
       lateral (select now() - interval '365 days' + floor(random() * 365 * 24 * 60) * interval '1 minute' + n * interval '0' as created) c`,
        [HEAVY_TASKS, TYPICAL_MIN, TYPICAL_SPREAD, USERS],
      );
    }),
  );

  // The search copy, as the search service would have written it from the task events.
  const iso = (col: string) => `to_char(${col} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
  await timed("search documents (1M rows, tsvector, GIN and trigram indexes)", () =>
    db.raw(
      `insert into ${SEARCH_SCHEMA}.docs (id, version, deleted, indexed_at, owner_id, project_id, status, priority, due_at, created_at, updated_at, title, tags, doc, tsv)
       select id, version, false, now(), owner_id, project_id, status, priority, due_at, created_at, updated_at, title, tags,
              jsonb_build_object('id', id, 'title', title, 'description', description, 'status', status,
                'priority', (array['none','low','medium','high','urgent'])[priority + 1],
                'dueAt', ${iso("due_at")}, 'startAt', ${iso("start_at")}, 'completedAt', ${iso("completed_at")},
                'tags', to_jsonb(tags), 'projectId', project_id, 'ownerId', owner_id,
                'createdAt', ${iso("created_at")}, 'updatedAt', ${iso("updated_at")}, 'version', version),
              setweight(to_tsvector('simple', title), 'A') || setweight(to_tsvector('simple', array_to_string(tags, ' ')), 'B')
                || setweight(to_tsvector('simple', description), 'C')
       from ${TASKS_SCHEMA}.tasks`,
    ),
  );
  // Per visibility scope (a project, or an owner's private tasks), as the writer keeps it.
  await timed("search vocabulary", () =>
    db.raw(
      `insert into ${SCOPE_WORDS} (scope, word, docs)
       select ${SCOPE_SQL}, w, count(*) from ${SEARCH_SCHEMA}.docs, unnest(tsvector_to_array(tsv)) w
       where length(w) <= ${MAX_WORD_LENGTH} group by 1, 2`,
    ),
  );
  await timed("vacuum analyze", async () => {
    await db.raw(`vacuum analyze ${TASKS_SCHEMA}.tasks`);
    await db.raw(`vacuum analyze ${SEARCH_SCHEMA}.docs`);
    await db.raw(`vacuum analyze ${SCOPE_WORDS}`);
    await db.raw(`analyze ${AUTH_SCHEMA}.users`);
  });
  const { rows } = await db.raw(
    `select (select count(*) from ${TASKS_SCHEMA}.tasks) as tasks,
            (select count(*) from ${TASKS_SCHEMA}.tasks where owner_id = ?) as heavy,
            pg_size_pretty(pg_total_relation_size('${TASKS_SCHEMA}.tasks')) as tasks_size,
            pg_size_pretty(pg_total_relation_size('${SEARCH_SCHEMA}.docs')) as docs_size`,
    [HEAVY_USER],
  );
  process.stdout.write(`seeded: ${JSON.stringify(rows[0])}\n`);
  await db.destroy();
}

main().catch((err) => {
  process.stderr.write(`seed failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});

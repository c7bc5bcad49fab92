import { randomUUID } from "node:crypto";
import type { Knex } from "knex";
import { systemClock } from "../../../libs/clock";
import { PROJECT_MEMBERSHIP_CHANNEL } from "../../../libs/contracts";
import type { Migration } from "../../../libs/db/migrate";
import { listIndexes, projectListIndexes } from "../../../libs/task-query";
import { createIdempotencyTable } from "../../../libs/idempotency";
import { createOutboxTable, enqueue } from "../../../libs/outbox";

export const TASKS_SCHEMA = "tasks";

export const migrations: Migration[] = [
  {
    name: "0001_tasks",
    async up(db) {
      await db.schema.withSchema(TASKS_SCHEMA).createTable("tasks", (t) => {
        t.uuid("id").primary();
        t.uuid("owner_id").notNullable();
        t.uuid("project_id");
        t.text("title").notNullable();
        t.text("description").notNullable().defaultTo("");
        t.text("status").notNullable().checkIn(["todo", "in_progress", "done"]);
        // Rank 0..4 (none..urgent) so priority sorts by meaning, not by name.
        t.smallint("priority").notNullable().defaultTo(0);
        t.timestamp("due_at", { useTz: true });
        t.timestamp("start_at", { useTz: true });
        t.timestamp("completed_at", { useTz: true });
        t.specificType("tags", "text[]").notNullable().defaultTo("{}");
        t.timestamp("created_at", { useTz: true }).notNullable();
        t.timestamp("updated_at", { useTz: true }).notNullable();
        t.integer("version").notNullable().defaultTo(1);
        t.index(["owner_id", "created_at", "id"], "tasks_owner_created_idx");
        t.index(["owner_id", "status", "created_at", "id"], "tasks_owner_status_created_idx");
      });
      await db.schema.withSchema(TASKS_SCHEMA).createTable("completions", (t) => {
        t.uuid("id").primary();
        t.uuid("task_id").notNullable().references("id").inTable(`${TASKS_SCHEMA}.tasks`).onDelete("CASCADE");
        // The occurrence completed; null for a task without a due date.
        t.timestamp("occurrence_at", { useTz: true });
        t.timestamp("completed_at", { useTz: true }).notNullable();
        t.index(["task_id", "completed_at"]);
        t.index(["task_id", "occurrence_at"]);
      });
      await createOutboxTable(db, TASKS_SCHEMA);
      await createIdempotencyTable(db, TASKS_SCHEMA);
    },
  },
  {
    // One ordered index per sort key, each behind (owner_id, status): lists read one short
    // range per status (see libs/task-query/list-sql.ts). tags: GIN for the tag filter.
    name: "0002_list_indexes",
    async up(db) {
      for (const sql of listIndexes(`${TASKS_SCHEMA}.tasks`, "tasks")) await db.raw(sql);
    },
  },
  {
    name: "0003_recurrence_and_reminders",
    async up(db) {
      await db.schema.withSchema(TASKS_SCHEMA).alterTable("tasks", (t) => {
        t.jsonb("recurrence");
        t.jsonb("reminders").notNullable().defaultTo("[]");
        t.text("timezone").notNullable().defaultTo("UTC");
        t.timestamp("dtstart", { useTz: true });
        t.integer("completed_count").notNullable().defaultTo(0);
      });
    },
  },
  {
    name: "0004_projects",
    async up(db) {
      await db.schema.withSchema(TASKS_SCHEMA).createTable("projects", (t) => {
        t.uuid("id").primary();
        t.text("name").notNullable();
        t.uuid("owner_id").notNullable();
        t.timestamp("created_at", { useTz: true }).notNullable();
        t.timestamp("updated_at", { useTz: true }).notNullable();
      });
      await db.schema.withSchema(TASKS_SCHEMA).createTable("project_members", (t) => {
        t.uuid("project_id").notNullable().references("id").inTable(`${TASKS_SCHEMA}.projects`).onDelete("CASCADE");
        t.uuid("user_id").notNullable().index();
        t.text("role").notNullable().checkIn(["owner", "editor", "viewer"]);
        t.timestamp("created_at", { useTz: true }).notNullable();
        t.primary(["project_id", "user_id"]);
      });
      await db.schema.withSchema(TASKS_SCHEMA).alterTable("tasks", (t) => {
        t.uuid("assignee_id");
        t.index(["project_id", "created_at", "id"], "tasks_project_created_idx");
        t.index(["assignee_id"], "tasks_assignee_idx");
      });
    },
  },
  {
    // Project tasks are read as their own visibility segment: the list indexes again, led by project_id.
    name: "0005_project_list_indexes",
    async up(db) {
      for (const sql of projectListIndexes(`${TASKS_SCHEMA}.tasks`, "tasks")) await db.raw(sql);
    },
  },
  {
    // Sharing needs the invitee's consent: an invitation waits here until they accept it. Rows
    // stay after an answer so the hourly limit of an inviter counts what they sent, not what is left.
    name: "0006_invitations",
    async up(db) {
      await db.schema.withSchema(TASKS_SCHEMA).createTable("invitations", (t) => {
        t.uuid("id").primary();
        t.uuid("project_id").notNullable().references("id").inTable(`${TASKS_SCHEMA}.projects`).onDelete("CASCADE");
        // Lower-cased; an invitation to an address nobody holds yet waits for it to register.
        t.text("email").notNullable();
        // The account that held the email when invited, if any.
        t.uuid("user_id");
        t.text("role").notNullable().checkIn(["editor", "viewer"]);
        t.uuid("invited_by").notNullable();
        t.text("status").notNullable().checkIn(["pending", "accepted", "declined", "revoked"]);
        t.timestamp("created_at", { useTz: true }).notNullable();
        t.timestamp("answered_at", { useTz: true });
        t.index(["invited_by", "created_at"]);
      });
      await db.raw(`create unique index invitations_pending_email_idx on ${TASKS_SCHEMA}.invitations (project_id, email) where status = 'pending'`);
      await db.raw(`create index invitations_pending_user_idx on ${TASKS_SCHEMA}.invitations (user_id) where status = 'pending'`);
      await db.raw(`create index invitations_pending_to_email_idx on ${TASKS_SCHEMA}.invitations (email) where status = 'pending'`);
      await db.schema.withSchema(TASKS_SCHEMA).alterTable("projects", (t) => t.index(["owner_id"], "projects_owner_idx"));
    },
  },
  {
    // Versions of project.membership events: one sequence orders every membership change.
    // Each existing membership is published once, so a notify that never saw these events
    // (an upgraded deployment) builds a complete projection of members from the stream.
    name: "0007_membership_events",
    async up(db) {
      await db.raw(`create sequence ${TASKS_SCHEMA}.membership_versions`);
      await seedMembershipEvents(db);
    },
  },
  {
    // Subtasks (issue 17). parent_id has no ON DELETE: a subtree is deleted by the write path,
    // one event per task, so a child's reminders are cancelled too; a stray delete fails loudly.
    // progress is kept on the parent by the write path (task-writer), so events and search
    // documents carry it. Children lists read one range of (parent_id, status, <order>).
    name: "0008_subtasks",
    async up(db) {
      await db.schema.withSchema(TASKS_SCHEMA).alterTable("tasks", (t) => {
        t.uuid("parent_id").references("id").inTable(`${TASKS_SCHEMA}.tasks`);
        t.integer("position").notNullable().defaultTo(0);
        t.integer("children_total").notNullable().defaultTo(0);
        t.integer("children_done").notNullable().defaultTo(0);
      });
      const children = (name: string, columns: string) =>
        db.raw(`create index if not exists tasks_parent_${name}_idx on ${TASKS_SCHEMA}.tasks (parent_id, status, ${columns}) where parent_id is not null`);
      await children("position", "position, id");
      await children("created", "created_at, id");
    },
  },
  {
    // Dependencies (issue 17): the blockers a task waits for, and whether one is still open,
    // kept by the write path. GIN finds a completed task's dependents; blocked tasks are few,
    // so a blocked=true list reads them through partial indexes.
    name: "0009_dependencies",
    async up(db) {
      await db.schema.withSchema(TASKS_SCHEMA).alterTable("tasks", (t) => {
        t.specificType("blocked_by", "uuid[]").notNullable().defaultTo("{}");
        t.boolean("blocked").notNullable().defaultTo(false);
      });
      await db.raw(`create index if not exists tasks_blocked_by_idx on ${TASKS_SCHEMA}.tasks using gin (blocked_by) where blocked_by <> '{}'`);
      await db.raw(`create index if not exists tasks_owner_blocked_idx on ${TASKS_SCHEMA}.tasks (owner_id, status, created_at, id) where blocked`);
      await db.raw(`create index if not exists tasks_project_blocked_idx on ${TASKS_SCHEMA}.tasks (project_id, status, created_at, id) where blocked`);
    },
  },
  {
    // History (issue 17), written by the write path in the change's transaction. No foreign
    // keys: a deleted task's or project's entries stay until the retention removes them.
    name: "0010_history",
    async up(db) {
      await db.schema.withSchema(TASKS_SCHEMA).createTable("history", (t) => {
        t.bigIncrements("seq").primary();
        t.timestamp("at", { useTz: true }).notNullable();
        t.uuid("actor_id");
        t.uuid("task_id");
        t.uuid("project_id");
        t.uuid("user_id");
        t.text("action").notNullable();
        t.jsonb("changes").notNullable().defaultTo("[]");
        t.index(["task_id", "seq"], "history_task_idx");
        t.index(["project_id", "seq"], "history_project_idx");
        t.index(["at"], "history_at_idx");
      });
    },
  },
  {
    // Comments (issue 17): a task's thread, oldest first by seq; gone with their task.
    name: "0011_comments",
    async up(db) {
      await db.schema.withSchema(TASKS_SCHEMA).createTable("comments", (t) => {
        t.uuid("id").primary();
        t.bigIncrements("seq", { primaryKey: false });
        t.uuid("task_id").notNullable().references("id").inTable(`${TASKS_SCHEMA}.tasks`).onDelete("CASCADE");
        t.uuid("author_id").notNullable();
        t.text("text").notNullable();
        t.specificType("mentions", "uuid[]").notNullable().defaultTo("{}");
        t.timestamp("created_at", { useTz: true }).notNullable();
        t.timestamp("updated_at", { useTz: true }).notNullable();
        t.integer("version").notNullable().defaultTo(1);
        t.index(["task_id", "seq"], "comments_task_idx");
      });
    },
  },
  {
    // Delta sync's change feed (services/tasks/sync.ts). Kept by triggers, so every write path
    // (TaskWriter, projects, memberships, cascades) feeds it in its own transaction.
    name: "0012_sync_change_feed",
    async up(db) {
      for (const sql of syncFeedSql(TASKS_SCHEMA)) await db.raw(sql);
    },
  },
  {
    // CalDAV (issue 19): the iCalendar properties a client sent that tasks do not model, kept
    // as written (services/gateway/export/ical.ts owns the text) and given back unchanged.
    name: "0013_dav_properties",
    async up(db) {
      await db.schema.withSchema(TASKS_SCHEMA).alterTable("tasks", (t) => {
        t.text("dav_properties");
      });
    },
  },
  {
    // Imports (issue 18, services/tasks/imports): a job per upload, its bytes in chunks until parsed,
    // its parsed items until worked through, and what each source item became, for idempotency.
    name: "0014_imports",
    async up(db) {
      await db.schema.withSchema(TASKS_SCHEMA).createTable("imports", (t) => {
        t.uuid("id").primary();
        t.uuid("owner_id").notNullable();
        t.text("format").notNullable();
        // Whose ids the items carry (todoist, vikunja, ics): the namespace of import_keys.
        t.text("source");
        t.text("filename").notNullable().defaultTo("");
        t.text("status").notNullable().checkIn(["uploading", "running", "done", "failed"]);
        // The importer as they were when it started (roles, zone): the worker acts as them.
        t.jsonb("principal").notNullable();
        t.integer("done").notNullable().defaultTo(0);
        t.integer("total").notNullable().defaultTo(0);
        t.integer("created").notNullable().defaultTo(0);
        t.integer("skipped").notNullable().defaultTo(0);
        t.jsonb("unmapped").notNullable().defaultTo("[]");
        t.text("reason");
        // Batches that failed (not an item: the batch itself, e.g. the database went away); past a few the job fails.
        t.integer("attempts").notNullable().defaultTo(0);
        t.timestamp("claimed_until", { useTz: true });
        t.timestamp("created_at", { useTz: true }).notNullable();
        t.timestamp("updated_at", { useTz: true }).notNullable();
        t.index(["owner_id", "status"], "imports_owner_idx");
        t.index(["status", "claimed_until"], "imports_status_idx");
      });
      await db.schema.withSchema(TASKS_SCHEMA).createTable("import_chunks", (t) => {
        t.uuid("import_id").notNullable().references("id").inTable(`${TASKS_SCHEMA}.imports`).onDelete("CASCADE");
        t.integer("seq").notNullable();
        t.binary("data").notNullable();
        t.primary(["import_id", "seq"]);
      });
      await db.schema.withSchema(TASKS_SCHEMA).createTable("import_items", (t) => {
        t.uuid("import_id").notNullable().references("id").inTable(`${TASKS_SCHEMA}.imports`).onDelete("CASCADE");
        t.integer("idx").notNullable();
        t.jsonb("item").notNullable();
        t.primary(["import_id", "idx"]);
      });
      await db.schema.withSchema(TASKS_SCHEMA).createTable("import_keys", (t) => {
        t.uuid("owner_id").notNullable();
        t.text("source").notNullable();
        t.text("external_id").notNullable();
        t.text("kind").notNullable().checkIn(["task", "project"]);
        t.uuid("target_id");
        t.primary(["owner_id", "source", "external_id"]);
      });
      // The export's comments (services/tasks/comment-export.ts): those a user wrote, in seq order.
      await db.schema.withSchema(TASKS_SCHEMA).alterTable("comments", (t) => {
        t.index(["author_id", "seq"], "comments_author_idx");
      });
    },
  },
  {
    // Delta sync in commit order (services/tasks/sync.ts): positions transaction-major, and a bound below every writer still running.
    name: "0015_sync_commit_order",
    async up(db) {
      const { rows } = await db.raw(
        `select (select case when is_called then last_value + 1 else last_value end from ${TASKS_SCHEMA}.change_seq) as base, pg_current_xact_id()::text::bigint as x0`,
      );
      for (const sql of syncCommitOrderSql(TASKS_SCHEMA, BigInt(rows[0].base), BigInt(rows[0].x0))) await db.raw(sql);
    },
  },
];

/**
 * A change's position was the next value of one sequence, taken when the row was written: a
 * transaction that took 10 and committed after another that took 11 was skipped by a client that
 * had read 11 meanwhile. Now a position is its transaction's id first (`xid8`, above the one of
 * this migration, over the old positions' range), then the sequence (its low 20 bits) within it;
 * and a page only hands out positions below `sync_bound()`: the oldest transaction still running
 * (pg_snapshot_xmin), so every transaction a position below it could belong to has ended. A
 * client's token never passes a change that is yet to commit.
 */
function syncCommitOrderSql(s: string, base: bigint, x0: bigint): string[] {
  const pos = (xid: string) => `${base} + ((${xid}::text::bigint - ${x0}) << 20)`;
  return [
    `create function ${s}.sync_pos() returns bigint language sql volatile as $$ select ${pos("pg_current_xact_id()")} + (nextval('${s}.change_seq') & 1048575) $$`,
    `create function ${s}.sync_bound() returns bigint language sql volatile as $$ select ${pos("pg_snapshot_xmin(pg_current_snapshot())")} $$`,
    `alter table ${s}.tasks alter column change_seq set default ${s}.sync_pos()`,
    `alter table ${s}.projects alter column change_seq set default ${s}.sync_pos()`,
    `alter table ${s}.project_members alter column change_seq set default ${s}.sync_pos()`,
    `alter table ${s}.tombstones alter column seq set default ${s}.sync_pos()`,
    `create or replace function ${s}.sync_touch() returns trigger language plpgsql as $$ begin
      new.change_seq := ${s}.sync_pos(); return new;
      end $$`,
  ];
}

/** One sequence orders every change a client can see; tombstones record what left a scope. One statement each: PGlite prepares them one at a time. */
function syncFeedSql(s: string): string[] {
  return [
    `create sequence ${s}.change_seq`,
    `alter table ${s}.tasks add column change_seq bigint not null default nextval('${s}.change_seq')`,
    `alter table ${s}.projects add column change_seq bigint not null default nextval('${s}.change_seq')`,
    `alter table ${s}.project_members add column change_seq bigint not null default nextval('${s}.change_seq')`,
    `create index tasks_owner_change_idx on ${s}.tasks (owner_id, change_seq) where project_id is null`,
    `create index tasks_project_change_idx on ${s}.tasks (project_id, change_seq)`,
    // kind 'task': a task deleted or moved out of (owner_id, project_id); kind 'member': user_id left project_id.
    `create table ${s}.tombstones ( seq bigint not null default nextval('${s}.change_seq'), kind text not null check (kind in ('task', 'member')), id uuid, owner_id uuid, project_id uuid, user_id uuid, created_at timestamptz not null default now() )`,
    `create index tombstones_owner_idx on ${s}.tombstones (owner_id, seq) where project_id is null`,
    `create index tombstones_project_idx on ${s}.tombstones (project_id, seq)`,
    `create index tombstones_user_idx on ${s}.tombstones (user_id, seq) where kind = 'member'`,
    `create index tombstones_created_idx on ${s}.tombstones (created_at)`,
    `create function ${s}.sync_touch() returns trigger language plpgsql as $$ begin
      new.change_seq := nextval('${s}.change_seq'); return new;
      end $$`,
    `create function ${s}.sync_task_gone() returns trigger language plpgsql as $$ begin
      if tg_op = 'DELETE' or old.project_id is distinct from new.project_id or old.owner_id <> new.owner_id then insert into ${s}.tombstones (kind, id, owner_id, project_id) values ('task', old.id, old.owner_id, old.project_id); end if; return null;
      end $$`,
    `create function ${s}.sync_member_gone() returns trigger language plpgsql as $$ begin
      insert into ${s}.tombstones (kind, project_id, user_id) values ('member', old.project_id, old.user_id); return null;
      end $$`,
    `create trigger tasks_sync_touch before update on ${s}.tasks for each row execute function ${s}.sync_touch()`,
    `create trigger projects_sync_touch before update on ${s}.projects for each row execute function ${s}.sync_touch()`,
    `create trigger members_sync_touch before update on ${s}.project_members for each row execute function ${s}.sync_touch()`,
    `create trigger tasks_sync_gone after update or delete on ${s}.tasks for each row execute function ${s}.sync_task_gone()`,
    `create trigger members_sync_gone after delete on ${s}.project_members for each row execute function ${s}.sync_member_gone()`,
  ];
}

const SEED_BATCH = 1_000;

async function seedMembershipEvents(db: Knex): Promise<void> {
  let after: [string, string] | undefined;
  for (;;) {
    const q = db(`${TASKS_SCHEMA}.project_members`).orderBy(["project_id", "user_id"]).limit(SEED_BATCH).select("project_id", "user_id", "role");
    if (after) q.whereRaw("(project_id, user_id) > (?, ?)", after);
    const rows: { project_id: string; user_id: string; role: "owner" | "editor" | "viewer" }[] = await q;
    if (!rows.length) return;
    const versions: { v: string }[] = (await db.raw("select nextval(?) as v from generate_series(1, ?)", [`${TASKS_SCHEMA}.membership_versions`, rows.length])).rows;
    const events = rows.map((r, i) => ({ key: randomUUID(), projectId: r.project_id, userId: r.user_id, role: r.role, version: Number(versions[i]!.v) }));
    // Knex hands a migration its transaction as a plain Knex.
    await enqueue(db as Knex.Transaction, TASKS_SCHEMA, PROJECT_MEMBERSHIP_CHANNEL, events, systemClock);
    const last = rows[rows.length - 1]!;
    after = [last.project_id, last.user_id];
  }
}

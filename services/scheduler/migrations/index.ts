import type { Migration } from "../../../libs/db/migrate";
import { createOutboxTable } from "../../../libs/outbox";

export const SCHEDULER_SCHEMA = "scheduler";

export const migrations: Migration[] = [
  {
    name: "0001_reminder_jobs",
    async up(db) {
      await db.schema.withSchema(SCHEDULER_SCHEMA).createTable("jobs", (t) => {
        t.uuid("id").primary();
        // reminder id + fire instant: one occurrence of one reminder, fired at most once ever.
        t.text("key").notNullable().unique();
        t.uuid("task_id").notNullable().index();
        t.uuid("reminder_id").notNullable();
        t.uuid("owner_id").notNullable();
        t.uuid("recipient_id").notNullable();
        t.text("title").notNullable();
        t.timestamp("due_at", { useTz: true });
        t.timestamp("occurrence_at", { useTz: true });
        t.timestamp("fire_at", { useTz: true }).notNullable();
        t.specificType("channels", "text[]").notNullable();
        t.text("timezone").notNullable();
        t.boolean("snoozed").notNullable().defaultTo(false);
        t.text("state").notNullable().defaultTo("pending").checkIn(["pending", "fired"]);
        t.timestamp("fired_at", { useTz: true });
      });
      await db.raw(`create index jobs_pending_fire_idx on ${SCHEDULER_SCHEMA}.jobs (fire_at) where state = 'pending'`);
      await db.schema.withSchema(SCHEDULER_SCHEMA).createTable("task_versions", (t) => {
        t.uuid("task_id").primary();
        t.integer("version").notNullable();
      });
      await createOutboxTable(db, SCHEDULER_SCHEMA);
    },
  },
  {
    name: "0002_one_pending_snooze",
    async up(db) {
      // The fired occurrence a snooze re-arms: one notification has at most one pending snooze,
      // so snoozing it five times cannot make five re-notifications.
      await db.schema.withSchema(SCHEDULER_SCHEMA).alterTable("jobs", (t) => {
        t.text("snoozed_from");
      });
      await db.raw(`create unique index jobs_one_pending_snooze_idx on ${SCHEDULER_SCHEMA}.jobs (snoozed_from) where state = 'pending'`);
    },
  },
  {
    name: "0003_job_project",
    async up(db) {
      // The task's project when the job was planned, carried on reminder.due so notify checks
      // the recipient against its own members. Jobs planned before have no such knowledge
      // (project_known false): their events go without it and notify asks tasks instead.
      await db.schema.withSchema(SCHEDULER_SCHEMA).alterTable("jobs", (t) => {
        t.uuid("project_id");
        t.boolean("project_known").notNullable().defaultTo(false);
      });
    },
  },
];

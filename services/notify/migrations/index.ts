import type { Migration } from "../../../libs/db/migrate";
import { createIdempotencyTable } from "../../../libs/idempotency";

export const NOTIFY_SCHEMA = "notify";

export const migrations: Migration[] = [
  {
    name: "0001_notifications",
    async up(db) {
      await db.schema.withSchema(NOTIFY_SCHEMA).createTable("notifications", (t) => {
        t.uuid("id").primary();
        // Orders a user's stream for Last-Event-ID replay.
        t.bigIncrements("seq", { primaryKey: false }).unique();
        // The reminder occurrence's key: one notification per occurrence, however often it is delivered.
        t.text("key").notNullable().unique();
        t.uuid("user_id").notNullable();
        t.uuid("task_id").notNullable();
        t.uuid("reminder_id").notNullable();
        t.text("title").notNullable();
        t.timestamp("due_at", { useTz: true });
        t.timestamp("fire_at", { useTz: true }).notNullable();
        t.text("timezone").notNullable();
        t.boolean("late").notNullable().defaultTo(false);
        t.boolean("snoozed").notNullable().defaultTo(false);
        t.timestamp("created_at", { useTz: true }).notNullable();
        t.timestamp("read_at", { useTz: true });
        t.index(["user_id", "seq"]);
      });
      await db.schema.withSchema(NOTIFY_SCHEMA).createTable("deliveries", (t) => {
        t.uuid("notification_id").notNullable().references("id").inTable(`${NOTIFY_SCHEMA}.notifications`).onDelete("CASCADE");
        t.text("channel").notNullable().checkIn(["sse", "whatsapp"]);
        t.text("status").notNullable().checkIn(["pending", "sent", "delivered", "read", "failed", "skipped"]);
        t.integer("attempts").notNullable().defaultTo(0);
        t.text("last_error");
        t.text("provider_message_id").unique();
        t.timestamp("next_attempt_at", { useTz: true });
        t.timestamp("claimed_until", { useTz: true });
        t.timestamp("updated_at", { useTz: true }).notNullable();
        t.primary(["notification_id", "channel"]);
      });
      await db.raw(
        `create index deliveries_due_idx on ${NOTIFY_SCHEMA}.deliveries (next_attempt_at) where status = 'pending' and channel = 'whatsapp'`,
      );
      await db.schema.withSchema(NOTIFY_SCHEMA).createTable("stream_tickets", (t) => {
        t.text("hash").primary();
        t.uuid("user_id").notNullable();
        t.timestamp("expires_at", { useTz: true }).notNullable().index();
        t.timestamp("used_at", { useTz: true });
      });
    },
  },
  {
    name: "0002_contacts",
    async up(db) {
      // Notify's own copy of what it needs about users, fed by user.updated: delivery and
      // inbound commands never wait on the gateway.
      await db.schema.withSchema(NOTIFY_SCHEMA).createTable("contacts", (t) => {
        t.uuid("user_id").primary();
        t.integer("version").notNullable();
        t.specificType("roles", "text[]").notNullable();
        t.text("timezone").notNullable();
        t.text("phone");
        t.boolean("whatsapp_opt_in").notNullable();
        t.jsonb("notification_prefs").notNullable();
        t.boolean("disabled").notNullable();
        t.timestamp("updated_at", { useTz: true }).notNullable();
      });
      await db.raw(
        `create index contacts_whatsapp_phone_idx on ${NOTIFY_SCHEMA}.contacts (phone, updated_at desc) where whatsapp_opt_in and not disabled`,
      );
    },
  },
  {
    name: "0003_contacts_phone_verified",
    async up(db) {
      // Existing contacts with a phone become unverified, as the gateway's users do in the
      // same release: nothing goes to a number, and no reply from it acts, until its owner
      // confirms a code and a snapshot with phoneVerified arrives.
      await db.schema.withSchema(NOTIFY_SCHEMA).alterTable("contacts", (t) => {
        t.boolean("phone_verified").notNullable().defaultTo(false);
      });
      await db.raw(`drop index ${NOTIFY_SCHEMA}.contacts_whatsapp_phone_idx`);
      await db.raw(
        `create index contacts_whatsapp_phone_idx on ${NOTIFY_SCHEMA}.contacts (phone, updated_at desc) where whatsapp_opt_in and phone_verified and not disabled`,
      );
    },
  },
  {
    // Invitations share the inbox and the stream with reminders; their rows have no task.
    name: "0004_invitation_notifications",
    async up(db) {
      await db.schema.withSchema(NOTIFY_SCHEMA).alterTable("notifications", (t) => {
        t.text("kind").notNullable().defaultTo("reminder").checkIn(["reminder", "invitation"]);
        t.uuid("invitation_id");
        t.uuid("project_id");
      });
      await db.raw(
        `alter table ${NOTIFY_SCHEMA}.notifications alter column task_id drop not null, alter column reminder_id drop not null, alter column fire_at drop not null`,
      );
    },
  },
  {
    name: "0005_whatsapp_sent_at",
    async up(db) {
      // When the provider accepted a send: counts a user's sends in the last 24 h for the daily cap.
      await db.schema.withSchema(NOTIFY_SCHEMA).alterTable("deliveries", (t) => {
        t.timestamp("sent_at", { useTz: true });
      });
      await db.raw(`create index deliveries_whatsapp_sent_idx on ${NOTIFY_SCHEMA}.deliveries (sent_at) where channel = 'whatsapp' and sent_at is not null`);
    },
  },
  {
    name: "0006_memberships",
    async up(db) {
      // Notify's copy of project members, fed by project.membership: the recipient check of a
      // reminder does not wait on the tasks service. A removal stays as a row with no role, so
      // an older grant arriving after it cannot bring the member back.
      await db.schema.withSchema(NOTIFY_SCHEMA).createTable("memberships", (t) => {
        t.uuid("project_id").notNullable();
        t.uuid("user_id").notNullable();
        t.text("role");
        t.bigInteger("version").notNullable();
        t.primary(["project_id", "user_id"]);
      });
    },
  },
  {
    // Task notifications besides reminders (issue 17): a task unblocked, a mention in a comment.
    name: "0007_task_notification_kinds",
    async up(db) {
      const { rows } = await db.raw(
        `select conname from pg_constraint where conrelid = '${NOTIFY_SCHEMA}.notifications'::regclass and contype = 'c' and pg_get_constraintdef(oid) like '%kind%'`,
      );
      for (const { conname } of rows as { conname: string }[]) await db.raw(`alter table ${NOTIFY_SCHEMA}.notifications drop constraint "${conname}"`);
      await db.raw(
        `alter table ${NOTIFY_SCHEMA}.notifications add constraint notifications_kind_check check (kind in ('reminder', 'invitation', 'unblocked', 'mention'))`,
      );
    },
  },
  {
    // Outbound webhooks (issue 18): subscriptions, one delivery row per (event, subscription), the
    // last known project of each task (a task.deleted carries none), and a new notification kind.
    name: "0008_webhooks",
    async up(db) {
      await db.schema.withSchema(NOTIFY_SCHEMA).createTable("webhook_subscriptions", (t) => {
        t.uuid("id").primary();
        t.uuid("user_id").notNullable().index();
        t.uuid("project_id").index();
        t.text("url").notNullable();
        t.specificType("events", "text[]").notNullable();
        t.text("secret").notNullable();
        t.boolean("enabled").notNullable().defaultTo(true);
        t.text("disabled_reason");
        t.integer("consecutive_failures").notNullable().defaultTo(0);
        t.timestamp("created_at", { useTz: true }).notNullable();
        t.timestamp("updated_at", { useTz: true }).notNullable();
      });
      await db.schema.withSchema(NOTIFY_SCHEMA).createTable("webhook_deliveries", (t) => {
        t.uuid("id").primary();
        t.bigIncrements("seq", { primaryKey: false }).unique();
        t.uuid("subscription_id").notNullable().references("id").inTable(`${NOTIFY_SCHEMA}.webhook_subscriptions`).onDelete("CASCADE");
        t.text("event_key").notNullable();
        t.text("event_type").notNullable();
        // The task's project when the event happened: the read check is repeated before each attempt.
        t.uuid("project_id");
        t.jsonb("body").notNullable();
        t.text("status").notNullable().checkIn(["pending", "succeeded", "failed"]);
        t.integer("attempts").notNullable().defaultTo(0);
        // Attempts since the delivery was (re)started: the backoff step and the horizon count from here.
        t.integer("round_attempts").notNullable().defaultTo(0);
        t.timestamp("round_started_at", { useTz: true }).notNullable();
        t.integer("response_status");
        t.integer("duration_ms");
        t.text("last_error");
        t.timestamp("next_attempt_at", { useTz: true });
        t.timestamp("claimed_until", { useTz: true });
        t.timestamp("created_at", { useTz: true }).notNullable();
        t.timestamp("last_attempt_at", { useTz: true });
        t.unique(["subscription_id", "event_key"]);
        t.index(["subscription_id", "seq"]);
        t.index(["created_at"]);
      });
      await db.raw(`create index webhook_deliveries_due_idx on ${NOTIFY_SCHEMA}.webhook_deliveries (next_attempt_at) where status = 'pending'`);
      await db.schema.withSchema(NOTIFY_SCHEMA).createTable("webhook_task_scopes", (t) => {
        t.uuid("task_id").primary();
        t.uuid("owner_id").notNullable();
        t.uuid("project_id");
        t.integer("version").notNullable();
      });
      await createIdempotencyTable(db, NOTIFY_SCHEMA);
      await db.raw(`alter table ${NOTIFY_SCHEMA}.notifications drop constraint if exists notifications_kind_check`);
      await db.raw(
        `alter table ${NOTIFY_SCHEMA}.notifications add constraint notifications_kind_check check (kind in ('reminder', 'invitation', 'unblocked', 'mention', 'webhook.disabled'))`,
      );
    },
  },
];

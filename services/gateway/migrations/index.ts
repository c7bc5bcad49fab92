import type { Knex } from "knex";
import { systemClock } from "../../../libs/clock";
import { USER_CHANNELS } from "../../../libs/contracts";
import type { Migration } from "../../../libs/db/migrate";
import { createOutboxTable, enqueue } from "../../../libs/outbox";
import { userUpdatedEvent } from "../auth/user-events";
import type { UserRow } from "../auth/user-store";

export const AUTH_SCHEMA = "auth";

export const migrations: Migration[] = [
  {
    name: "0001_users_and_refresh_tokens",
    async up(db) {
      await db.schema.withSchema(AUTH_SCHEMA).createTable("users", (t) => {
        t.uuid("id").primary();
        // Stored lower-cased: one account per address whatever its spelling.
        t.text("email").notNullable().unique();
        t.text("password_hash").notNullable();
        t.text("name").notNullable().defaultTo("");
        t.text("timezone").notNullable().defaultTo("UTC");
        t.specificType("roles", "text[]").notNullable().defaultTo("{member}");
        t.text("phone");
        t.boolean("whatsapp_opt_in").notNullable().defaultTo(false);
        t.jsonb("notification_prefs").notNullable().defaultTo("{}");
        t.boolean("disabled").notNullable().defaultTo(false);
        t.timestamp("created_at", { useTz: true }).notNullable();
        t.timestamp("updated_at", { useTz: true }).notNullable();
        t.index(["created_at", "id"]);
      });
      await db.schema.withSchema(AUTH_SCHEMA).createTable("refresh_tokens", (t) => {
        t.uuid("id").primary();
        // Every token issued from one login shares a family; reuse of a spent one revokes it all.
        t.uuid("family_id").notNullable().index();
        t.uuid("user_id").notNullable().references("id").inTable(`${AUTH_SCHEMA}.users`).onDelete("CASCADE").index();
        t.text("secret_hash").notNullable();
        t.timestamp("expires_at", { useTz: true }).notNullable();
        t.timestamp("spent_at", { useTz: true });
        t.timestamp("revoked_at", { useTz: true });
        t.timestamp("created_at", { useTz: true }).notNullable();
      });
    },
  },
  {
    name: "0002_user_events_outbox",
    async up(db) {
      await db.schema.withSchema(AUTH_SCHEMA).alterTable("users", (t) => {
        // Orders a user's user.updated events: consumers keep the highest they have seen.
        t.integer("version").notNullable().defaultTo(1);
      });
      await createOutboxTable(db, AUTH_SCHEMA);
      // Consumers (notify's contacts) learn about users only from events. Users who exist
      // before this migration would never produce one until they next change, so a deployment
      // that upgrades would deliver nothing to them: one snapshot each, in this migration's
      // transaction, gives every consumer a complete projection from the start.
      await seedUserEvents(db);
    },
  },
  {
    name: "0003_phone_verification",
    async up(db) {
      // Every existing user with a phone becomes unverified: the number was never proven to
      // be theirs, so WhatsApp reminders to it stop and replies from it are ignored until they
      // confirm a code (POST /me/phone/verification). Notify's contacts start unverified too
      // (its own migration), so no snapshot needs re-sending.
      await db.schema.withSchema(AUTH_SCHEMA).alterTable("users", (t) => {
        t.boolean("phone_verified").notNullable().defaultTo(false);
      });
      // A verified number belongs to one account at a time; unverified claims may overlap.
      await db.raw(`create unique index users_verified_phone_idx on ${AUTH_SCHEMA}.users (phone) where phone_verified`);
      // One pending code per user; a new send replaces it. Only a keyed hash of the code is kept.
      await db.schema.withSchema(AUTH_SCHEMA).createTable("phone_verifications", (t) => {
        t.uuid("user_id").primary().references("id").inTable(`${AUTH_SCHEMA}.users`).onDelete("CASCADE");
        // The number the code went to: a code never confirms a number it was not sent to.
        t.text("phone").notNullable();
        t.text("code_hash").notNullable();
        t.integer("failed_attempts").notNullable().defaultTo(0);
        t.timestamp("expires_at", { useTz: true }).notNullable();
      });
      // The sends of the last hour, per user, for the hourly limit.
      await db.schema.withSchema(AUTH_SCHEMA).createTable("phone_verification_sends", (t) => {
        t.bigIncrements("id");
        t.uuid("user_id").notNullable().references("id").inTable(`${AUTH_SCHEMA}.users`).onDelete("CASCADE");
        t.timestamp("sent_at", { useTz: true }).notNullable();
        t.index(["user_id", "sent_at"]);
      });
    },
  },
  {
    name: "0004_refresh_token_grace",
    async up(db) {
      await db.schema.withSchema(AUTH_SCHEMA).alterTable("refresh_tokens", (t) => {
        // The successor a rotation issued, encrypted: a second refresh of the same token within
        // the grace period (two tabs) gets it again instead of tripping the reuse alarm.
        t.text("successor_sealed");
      });
    },
  },
  {
    name: "0005_personal_access_tokens",
    async up(db) {
      await db.schema.withSchema(AUTH_SCHEMA).createTable("personal_tokens", (t) => {
        t.uuid("id").primary();
        t.uuid("user_id").notNullable().references("id").inTable(`${AUTH_SCHEMA}.users`).onDelete("CASCADE").index();
        t.text("name").notNullable();
        t.specificType("scopes", "text[]").notNullable();
        // SHA-256 (hex) of the token: every authenticated request finds its token by this.
        t.text("token_hash").notNullable().unique();
        t.timestamp("expires_at", { useTz: true });
        t.timestamp("last_used_at", { useTz: true });
        t.timestamp("created_at", { useTz: true }).notNullable();
        t.index(["created_at", "id"]);
      });
    },
  },
  {
    // express-rate-limit's counters, shared by every gateway replica (http/rate-limit-store.ts).
    name: "0006_shared_rate_limits",
    async up(db) {
      await db.schema.withSchema(AUTH_SCHEMA).createTable("rate_limits", (t) => {
        t.text("key").primary();
        t.integer("hits").notNullable();
        t.timestamp("reset_at", { useTz: true }).notNullable().index();
      });
    },
  },
];

const SEED_BATCH = 1_000;

async function seedUserEvents(db: Knex): Promise<void> {
  let after: string | undefined;
  for (;;) {
    const q = db<UserRow>(`${AUTH_SCHEMA}.users`).orderBy("id").limit(SEED_BATCH);
    if (after) q.where("id", ">", after);
    const rows = await q;
    if (!rows.length) return;
    // Knex hands a migration its transaction as a plain Knex.
    await enqueue(db as Knex.Transaction, AUTH_SCHEMA, USER_CHANNELS.updated, rows.map(userUpdatedEvent), systemClock);
    after = rows[rows.length - 1]!.id;
  }
}

import type { Migration } from "../../../libs/db/migrate";

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
];

import { DEFAULT_NOTIFICATION_PREFS, type UserUpdatedEvent } from "../../../libs/contracts";
import type { UserRow } from "./user-store";

/**
 * The snapshot other services keep of a user (notify's contacts), built from the row as
 * committed. One builder for every writer and for the migration's seed, so the payload
 * cannot differ by where the change came from.
 */
export function userUpdatedEvent(row: UserRow): UserUpdatedEvent {
  return {
    key: `${row.id}@${row.version}`,
    userId: row.id,
    version: row.version,
    updatedAt: new Date(row.updated_at).toISOString(),
    roles: row.roles,
    timezone: row.timezone,
    phone: row.phone,
    // `=== true`: the 0002 migration seeds snapshots from rows that predate the column.
    phoneVerified: row.phone_verified === true,
    whatsappOptIn: row.whatsapp_opt_in,
    notificationPrefs: { ...DEFAULT_NOTIFICATION_PREFS, ...row.notification_prefs },
    disabled: row.disabled,
  };
}

import type { Principal } from "../../libs/authz";
import type { NotificationPrefs, Role, UserUpdatedEvent } from "../../libs/contracts";
import type { Db } from "../../libs/db";
import { NOTIFY_SCHEMA } from "./migrations";
import type { WhatsAppRecipient } from "./whatsapp/delivery";

const CONTACTS = `${NOTIFY_SCHEMA}.contacts`;
/** Above any user.updated version: an erased contact outranks every snapshot. */
const ERASED_VERSION = 2_147_483_647;

interface ContactRow {
  user_id: string;
  version: number;
  roles: Role[];
  timezone: string;
  phone: string | null;
  phone_verified: boolean;
  whatsapp_opt_in: boolean;
  notification_prefs: NotificationPrefs;
  disabled: boolean;
  updated_at: Date;
}

/**
 * Notify's projection of users, kept from user.updated snapshots. Applying is idempotent
 * and monotonic: a redelivered or older version changes nothing, whatever order JetStream
 * hands them over in.
 */
export class ContactStore {
  constructor(private readonly db: Db) {}

  /**
   * A deleted account: its notifications, tickets and number go; the contact stays as a
   * disabled, number-less row at the highest version, so no snapshot replayed later (a new
   * consumer reads user.updated from the start) can bring the number back.
   */
  async erase(userId: string): Promise<void> {
    await this.db.transaction(async (trx) => {
      await trx(`${NOTIFY_SCHEMA}.notifications`).where({ user_id: userId }).delete();
      await trx(`${NOTIFY_SCHEMA}.stream_tickets`).where({ user_id: userId }).delete();
      const erased = { user_id: userId, version: ERASED_VERSION, roles: [], timezone: "UTC", phone: null, phone_verified: false, whatsapp_opt_in: false };
      await trx(CONTACTS)
        .insert({ ...erased, notification_prefs: "{}", disabled: true, updated_at: new Date() })
        .onConflict("user_id")
        .merge();
    });
  }

  /** Whether the snapshot was newer than what is kept. */
  async apply(event: UserUpdatedEvent): Promise<boolean> {
    const row: ContactRow = {
      user_id: event.userId,
      version: event.version,
      roles: event.roles,
      timezone: event.timezone,
      phone: event.phone,
      phone_verified: event.phoneVerified,
      whatsapp_opt_in: event.whatsappOptIn,
      notification_prefs: event.notificationPrefs,
      disabled: event.disabled,
      updated_at: new Date(event.updatedAt),
    };
    const applied = await this.db(CONTACTS)
      .insert({ ...row, notification_prefs: JSON.stringify(row.notification_prefs) })
      .onConflict("user_id")
      .merge()
      .where(`${CONTACTS}.version`, "<", event.version)
      .returning("user_id");
    return applied.length > 0;
  }

  /**
   * Whether the account is disabled. A user the projection has not heard of yet (a snapshot
   * still on its way) counts as enabled: the gateway authenticated them a moment ago.
   */
  async isDisabled(userId: string): Promise<boolean> {
    const row: Pick<ContactRow, "disabled"> | undefined = await this.db(CONTACTS).where({ user_id: userId }).first("disabled");
    return row?.disabled === true;
  }

  /** How to reach each of the enabled users among `ids`, in one query. */
  async recipients(ids: string[]): Promise<Map<string, WhatsAppRecipient>> {
    if (!ids.length) return new Map();
    const rows: ContactRow[] = await this.db(CONTACTS).whereIn("user_id", ids).andWhere({ disabled: false });
    return new Map(
      rows.map((r) => [
        r.user_id,
        {
          timezone: r.timezone,
          phone: r.phone,
          phoneVerified: r.phone_verified,
          whatsappOptIn: r.whatsapp_opt_in,
          notificationPrefs: r.notification_prefs,
        },
      ]),
    );
  }

  /**
   * The enabled, opted-in user behind a WhatsApp number: only a number its owner proved
   * theirs and opted in with may act as them (anyone can type someone else's number into
   * their profile). The gateway lets one account at a time verify a number; should a
   * stale snapshot still show two, the one changed last.
   */
  async byPhone(phone: string): Promise<Principal | undefined> {
    const row: ContactRow | undefined = await this.db(CONTACTS)
      .where({ phone, phone_verified: true, whatsapp_opt_in: true, disabled: false })
      .orderBy("updated_at", "desc")
      .first();
    return row ? { id: row.user_id, roles: row.roles, timezone: row.timezone } : undefined;
  }
}

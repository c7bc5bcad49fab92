import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { Clock } from "../../../libs/clock";
import {
  AdminUserDto,
  adminUpdateUserInput,
  DEFAULT_NOTIFICATION_PREFS,
  NotificationPrefs,
  registerInput,
  Role,
  updateMeInput,
  USER_CHANNELS,
  UserDto,
} from "../../../libs/contracts";
import type { Db, Trx } from "../../../libs/db";
import { ConflictError, NotFoundError, ValidationError } from "../../../libs/errors";
import { enqueue } from "../../../libs/outbox";
import { AUTH_SCHEMA } from "../migrations";
import { hashPassword } from "./passwords";
import { userUpdatedEvent } from "./user-events";

const USERS = `${AUTH_SCHEMA}.users`;
const REFRESH_TOKENS = `${AUTH_SCHEMA}.refresh_tokens`;

export interface UserRow {
  id: string;
  email: string;
  password_hash: string;
  name: string;
  timezone: string;
  roles: Role[];
  phone: string | null;
  /** Set only by confirming a code sent to `phone`; any change of `phone` clears it. */
  phone_verified: boolean;
  whatsapp_opt_in: boolean;
  notification_prefs: Partial<NotificationPrefs>;
  disabled: boolean;
  /** Raised by every change, in the same statement; user.updated events carry it. */
  version: number;
  created_at: Date;
  updated_at: Date;
}

export function toUserDto(row: UserRow): UserDto {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    timezone: row.timezone,
    roles: row.roles,
    phone: row.phone,
    phoneVerified: row.phone_verified,
    whatsappOptIn: row.whatsapp_opt_in,
    notificationPrefs: { ...DEFAULT_NOTIFICATION_PREFS, ...row.notification_prefs },
  };
}

function toAdminUserDto(row: UserRow): AdminUserDto {
  return {
    ...toUserDto(row),
    disabled: row.disabled,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

const UNIQUE_VIOLATION = "23505";

export class UserStore {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    /** Called after a commit that wrote user events: the relay publishes them now, not at its next poll. */
    private readonly onEvents: () => void = () => {},
  ) {}

  /** Every write of a user goes through here: the row and its user.updated event commit together. */
  private async changing(write: (trx: Trx) => Promise<UserRow>): Promise<UserRow> {
    const row = await this.db.transaction(async (trx) => {
      const changed = await write(trx);
      await enqueue(trx, AUTH_SCHEMA, USER_CHANNELS.updated, userUpdatedEvent(changed), this.clock);
      return changed;
    });
    this.onEvents();
    return row;
  }

  async create(input: z.output<typeof registerInput>, roles: Role[] = ["member"]): Promise<UserRow> {
    const now = this.clock.now();
    const passwordHash = await hashPassword(input.password);
    try {
      return await this.changing(async (trx) => {
        const [inserted] = await trx<UserRow>(USERS)
          .insert({
            id: randomUUID(),
            email: input.email,
            password_hash: passwordHash,
            name: input.name,
            timezone: input.timezone,
            roles,
            created_at: now,
            updated_at: now,
          })
          .returning("*");
        return inserted as UserRow;
      });
    } catch (err) {
      if ((err as { code?: string }).code === UNIQUE_VIOLATION) throw new ConflictError("an account with this email exists");
      throw err;
    }
  }

  findByEmail(email: string): Promise<UserRow | undefined> {
    return this.db<UserRow>(USERS).where({ email: email.toLowerCase() }).first();
  }

  findByIds(ids: string[]): Promise<UserRow[]> {
    return ids.length ? this.db<UserRow>(USERS).whereIn("id", ids) : Promise.resolve([]);
  }

  findById(id: string): Promise<UserRow | undefined> {
    return this.db<UserRow>(USERS).where({ id }).first();
  }

  updateProfile(id: string, patch: z.output<typeof updateMeInput>): Promise<UserRow> {
    return this.changing(async (trx) => {
      // Locked: the merged prefs must build on the row as it is when the update lands.
      const current = await trx<UserRow>(USERS).where({ id }).forUpdate().first();
      if (!current) throw new NotFoundError("user not found");
      const changes: Partial<UserRow> = { updated_at: this.clock.now() };
      if (patch.name !== undefined) changes.name = patch.name;
      if (patch.timezone !== undefined) changes.timezone = patch.timezone;
      if (patch.phone !== undefined && patch.phone !== current.phone) {
        changes.phone = patch.phone;
        // Proof of the old number says nothing about the new one.
        changes.phone_verified = false;
      }
      if (patch.whatsappOptIn !== undefined) changes.whatsapp_opt_in = patch.whatsappOptIn;
      if (patch.notificationPrefs !== undefined) {
        changes.notification_prefs = { ...current.notification_prefs, ...patch.notificationPrefs };
      }
      const optIn = changes.whatsapp_opt_in ?? current.whatsapp_opt_in;
      const phone = changes.phone !== undefined ? changes.phone : current.phone;
      if (optIn && !phone) {
        throw new ValidationError("WhatsApp needs a phone number", [{ path: "body.phone", message: "is required for whatsappOptIn" }]);
      }
      const [row] = await trx(USERS)
        .where({ id })
        .update({
          ...changes,
          notification_prefs: JSON.stringify(changes.notification_prefs ?? current.notification_prefs),
          version: trx.raw("version + 1"),
        })
        .returning("*");
      return row;
    });
  }

  async list(limit: number, after?: { createdAt: string; id: string }): Promise<{ items: AdminUserDto[]; last?: UserRow; more: boolean }> {
    const q = this.db<UserRow>(USERS).select("*");
    if (after) q.whereRaw("(created_at, id) > (?, ?)", [new Date(after.createdAt), after.id]);
    const rows = await q.orderBy([{ column: "created_at" }, { column: "id" }]).limit(limit + 1);
    const page = rows.slice(0, limit);
    return { items: page.map(toAdminUserDto), last: page[page.length - 1], more: rows.length > limit };
  }

  /** Disabling also revokes every refresh token, so the user cannot mint new access tokens. */
  async administer(actorId: string, id: string, patch: z.output<typeof adminUpdateUserInput>): Promise<AdminUserDto> {
    if (actorId === id && (patch.disabled === true || (patch.roles && !patch.roles.includes("admin")))) {
      throw new ValidationError("An admin cannot disable or demote themselves", [
        { path: "params.id", message: "is the caller; ask another admin" },
      ]);
    }
    const row = await this.changing(async (trx) => {
      const changes: Partial<UserRow> = { updated_at: this.clock.now() };
      if (patch.roles) changes.roles = [...new Set(patch.roles)];
      if (patch.disabled !== undefined) changes.disabled = patch.disabled;
      const [updated] = await trx(USERS)
        .where({ id })
        .update({ ...changes, version: trx.raw("version + 1") })
        .returning("*");
      if (!updated) throw new NotFoundError(`user ${id} not found`);
      if (patch.disabled) {
        await trx(REFRESH_TOKENS).where({ user_id: id }).whereNull("revoked_at").update({ revoked_at: this.clock.now() });
      }
      return updated as UserRow;
    });
    return toAdminUserDto(row);
  }
}

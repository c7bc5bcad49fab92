import { z } from "zod";
import { ROLES } from "./auth";

export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

export const timeZone = z
  .string()
  .max(64)
  .refine(isTimeZone, "must be an IANA time zone, e.g. Europe/Berlin")
  .meta({ example: "Europe/Berlin" });

export const email = z.email().max(254).toLowerCase();
export const password = z.string().min(10, "must be at least 10 characters").max(1024);
/** An E.164 phone number: "+", country code, subscriber number; 8 to 16 characters. */
export const E164 = /^\+[1-9]\d{6,14}$/;

/** A clock time, "HH:MM", 24 h. */
export const CLOCK_TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const clockTime = z.string().regex(CLOCK_TIME, "must be HH:MM (24 h)");

export const notificationPrefsSchema = z
  .strictObject({
    sse: z.boolean().optional(),
    whatsapp: z.boolean().optional(),
    quietHours: z.strictObject({ start: clockTime, end: clockTime }).nullable().optional(),
  })
  .meta({ id: "NotificationPrefs" });

export interface NotificationPrefs {
  sse: boolean;
  whatsapp: boolean;
  quietHours: { start: string; end: string } | null;
}

export const DEFAULT_NOTIFICATION_PREFS: NotificationPrefs = { sse: true, whatsapp: true, quietHours: null };

export const registerInput = z
  .strictObject({
    email,
    password,
    name: z.string().trim().max(200).default(""),
    timezone: timeZone.default("UTC"),
  })
  .meta({ id: "Register" });

export const loginInput = z.strictObject({ email, password: z.string().min(1).max(1024) }).meta({ id: "Login" });
export const refreshInput = z.strictObject({ refreshToken: z.string().min(1).max(500) }).meta({ id: "RefreshToken" });

export const updateMeInput = z
  .strictObject({
    name: z.string().trim().max(200).optional(),
    timezone: timeZone.optional(),
    phone: z
      .string()
      .regex(E164, "must be an E.164 number, e.g. +4915112345678")
      .nullable()
      .optional(),
    whatsappOptIn: z.boolean().optional(),
    notificationPrefs: notificationPrefsSchema.optional(),
  })
  .meta({ id: "UpdateMe" });

export const adminUpdateUserInput = z
  .strictObject({
    roles: z
      .array(z.enum(ROLES))
      .min(1)
      .refine((r) => r.includes("member"), "every user keeps the member role")
      .optional(),
    disabled: z.boolean().optional(),
  })
  .refine((v) => v.roles !== undefined || v.disabled !== undefined, "names no field to change")
  .meta({ id: "AdminUpdateUser" });

export const userSchema = z
  .object({
    id: z.uuid(),
    email: z.string(),
    name: z.string(),
    timezone: z.string(),
    roles: z.array(z.enum(ROLES)),
    phone: z.string().nullable(),
    /** False until the user confirms a code sent to `phone`; nothing is sent to an unverified number. */
    phoneVerified: z.boolean(),
    whatsappOptIn: z.boolean(),
    notificationPrefs: z.object({
      sse: z.boolean(),
      whatsapp: z.boolean(),
      quietHours: z.object({ start: z.string(), end: z.string() }).nullable(),
    }),
  })
  .meta({ id: "User" });
export type UserDto = z.infer<typeof userSchema>;

export const adminUserSchema = userSchema
  .extend({ disabled: z.boolean(), createdAt: z.string(), updatedAt: z.string() })
  .meta({ id: "AdminUser" });
export type AdminUserDto = z.infer<typeof adminUserSchema>;

export const authResultSchema = z
  .object({ user: userSchema, accessToken: z.string(), refreshToken: z.string(), expiresIn: z.int() })
  .meta({ id: "AuthResult" });

/** Durable channels of the gateway's auth schema (JetStream in distributed mode). */
export const USER_CHANNELS = {
  updated: "user.updated",
  phoneVerification: "phone.verification",
  /** The account was erased (DELETE /me): each service erases what it keeps of the user. */
  deleted: "user.deleted",
} as const;

export const userDeletedEventSchema = z.object({ key: z.string(), userId: z.uuid(), occurredAt: z.string() });
export type UserDeletedEvent = z.infer<typeof userDeletedEventSchema>;
export type UserChannel = (typeof USER_CHANNELS)[keyof typeof USER_CHANNELS];

/**
 * A user's contact-relevant fields after a change, whole (a snapshot, not a diff), so a
 * consumer keeps the newest by `version` and may skip or reorder any older one. `key` is
 * `userId@version`: the same change always carries the same key.
 */
export const userUpdatedEventSchema = z.object({
  key: z.string(),
  userId: z.uuid(),
  /** Counts the user's changes from 1; a consumer never lets a lower version overwrite a higher one. */
  version: z.int().positive(),
  /** The user row's updated_at: among several accounts with one phone, the latest wins, as at the edge. */
  updatedAt: z.string(),
  roles: z.array(z.enum(ROLES)),
  timezone: z.string(),
  phone: z.string().nullable(),
  // Snapshots written before verification existed carry no flag: they read as unverified,
  // so replaying the stream from its start never trusts a number nobody confirmed.
  phoneVerified: z.boolean().default(false),
  whatsappOptIn: z.boolean(),
  notificationPrefs: userSchema.shape.notificationPrefs,
  disabled: z.boolean(),
});
export type UserUpdatedEvent = z.infer<typeof userUpdatedEventSchema>;

/** A verification code as the user types it. */
export const PHONE_CODE = /^\d{6}$/;

export const confirmPhoneInput = z
  .strictObject({ code: z.string().trim().regex(PHONE_CODE, "must be the 6 digits sent to your phone") })
  .meta({ id: "ConfirmPhone" });

export const phoneVerificationSentSchema = z
  .object({ phone: z.string(), expiresAt: z.string() })
  .meta({ id: "PhoneVerificationSent" });

/**
 * A code for notify to send, and nothing more: it carries the code in clear because notify
 * must write it into the message, so it names no user and is useless after `expiresAt`
 * (the gateway keeps only a hash). `key` is unique per code.
 */
export const phoneVerificationEventSchema = z.object({
  key: z.string(),
  phone: z.string().regex(E164),
  code: z.string().regex(PHONE_CODE),
  expiresAt: z.string(),
});
export type PhoneVerificationEvent = z.infer<typeof phoneVerificationEventSchema>;

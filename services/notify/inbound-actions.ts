import type { ServiceBroker } from "moleculer";
import { authMetaFor } from "../../libs/authz";
import { call, callAs } from "../../libs/broker/bus";
import type { Db } from "../../libs/db";
import type { ContactStore } from "./contacts";
import { NOTIFY_SCHEMA } from "./migrations";
import type { InboundActions } from "./whatsapp-webhook";

/**
 * `done` and `snooze N` from WhatsApp act on the sender's latest reminder, as that user:
 * the task service applies their own rules, exactly as if they had clicked, so the caller
 * is built as the gateway builds it, project memberships included.
 */
export function inboundActions(db: Db, contacts: ContactStore, broker: ServiceBroker): InboundActions {
  const latestFor = async (phone: string) => {
    const user = await contacts.byPhone(phone);
    if (!user) return undefined;
    const notification = await db(`${NOTIFY_SCHEMA}.notifications`).where({ user_id: user.id, kind: "reminder" }).orderBy("seq", "desc").first();
    return notification ? { user, notification } : undefined;
  };
  return {
    async complete(phone) {
      const found = await latestFor(phone);
      if (!found) return;
      const memberships = await call(broker, "projects.memberships", { userId: found.user.id });
      await callAs(broker, authMetaFor(found.user, memberships), "tasks.complete", { id: found.notification.task_id });
    },
    async snooze(phone, minutes) {
      const found = await latestFor(phone);
      if (!found) return;
      await call(broker, "scheduler.snooze", { key: found.notification.key, minutes });
    },
  };
}

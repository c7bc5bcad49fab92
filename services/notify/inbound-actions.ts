import type { ServiceBroker } from "moleculer";
import { packAbility } from "../../libs/authz";
import type { Role } from "../../libs/contracts";
import type { Db } from "../../libs/db";
import { NOTIFY_SCHEMA } from "./migrations";
import type { InboundActions } from "./whatsapp-webhook";

interface PhoneOwner {
  id: string;
  roles: Role[];
  timezone: string;
}

/**
 * `done` and `snooze N` from WhatsApp act on the sender's latest reminder, as that user:
 * the task service applies their own rules, exactly as if they had clicked.
 */
export function inboundActions(db: Db, broker: ServiceBroker): InboundActions {
  const latestFor = async (phone: string) => {
    const user = await broker.call<PhoneOwner | null, object>("gateway.userByPhone", { phone });
    if (!user) return undefined;
    const notification = await db(`${NOTIFY_SCHEMA}.notifications`).where({ user_id: user.id }).orderBy("seq", "desc").first();
    return notification ? { user, notification } : undefined;
  };
  return {
    async complete(phone) {
      const found = await latestFor(phone);
      if (!found) return;
      await broker.call("tasks.complete", { id: found.notification.task_id }, { meta: { auth: packAbility(found.user) } });
    },
    async snooze(phone, minutes) {
      const found = await latestFor(phone);
      if (!found) return;
      await broker.call("scheduler.snooze", { key: found.notification.key, minutes });
    },
  };
}

import type { ServiceSchema } from "moleculer";
import { Db, ping } from "../../libs/db";

export interface NotifyServiceDeps {
  db: Db;
}

/** Registers and reports health; its capability arrives with its own issue. */
export function notifyService({ db }: NotifyServiceDeps): ServiceSchema {
  return {
    name: "notify",
    actions: {
      health: async () => {
        await ping(db);
        return { ok: true };
      },
    },
  };
}

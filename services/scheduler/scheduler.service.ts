import type { ServiceSchema } from "moleculer";
import { Db, ping } from "../../libs/db";

export interface SchedulerServiceDeps {
  db: Db;
}

/** Registers and reports health; its capability arrives with its own issue. */
export function schedulerService({ db }: SchedulerServiceDeps): ServiceSchema {
  return {
    name: "scheduler",
    actions: {
      health: async () => {
        await ping(db);
        return { ok: true };
      },
    },
  };
}

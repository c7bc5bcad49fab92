import type { ServiceSchema } from "moleculer";
import { healthAction } from "../../libs/broker";
import type { Db } from "../../libs/db";

export interface SearchServiceDeps {
  db: Db;
}

/** Registers and reports health; its capability arrives with its own issue. */
export function searchService({ db }: SearchServiceDeps): ServiceSchema {
  return {
    name: "search",
    actions: {
      health: healthAction(db),
    },
  };
}

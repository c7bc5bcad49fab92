import type { Clock } from "../../libs/clock";
import type { Config } from "../../libs/config";
import type { Db } from "../../libs/db";
import { CursorCodec } from "../../libs/task-query";
import type { SearchEngine } from "./engine";
import { MeiliSearchEngine } from "./meili/meili-engine";
import { PgSearchEngine } from "./pg/pg-engine";

/** MEILI_URL picks Meilisearch; without it, Postgres full text on the search schema. */
export function createSearchEngine(config: Config, db: Db, clock: Clock): SearchEngine {
  const cursors = new CursorCodec(config.cursorSecret, clock);
  if (config.meili) {
    const indexUid = `${config.namespace || "todogenie"}_tasks`;
    return new MeiliSearchEngine({ url: config.meili.url, masterKey: config.meili.masterKey, indexUid }, cursors, clock);
  }
  return new PgSearchEngine(db, cursors, clock);
}

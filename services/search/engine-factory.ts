import type { Clock } from "../../libs/clock";
import type { Config } from "../../libs/config";
import type { Db } from "../../libs/db";
import { readRouting } from "../../libs/db/read-routing";
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
  const reads = readRouting(db);
  const engines = reads.per((on) => new PgSearchEngine(on, cursors, clock));
  if (!reads.standby) return engines.primary;
  // Searches may read a standby (DATABASE_READ_URL); the index is written on the primary.
  const primary = engines.primary;
  return {
    name: primary.name,
    prepare: () => primary.prepare(),
    apply: (changes, options) => primary.apply(changes, options),
    sweep: (startedAt) => primary.sweep(startedAt),
    purgeTombstones: (before) => primary.purgeTombstones(before),
    search: (auth, query) => engines.run((e) => e.search(auth, query)),
    health: () => primary.health(),
  };
}

import type { Clock } from "../../../libs/clock";
import type { AuthMeta, SearchPage } from "../../../libs/contracts";
import { Db, ping } from "../../../libs/db";
import { migrateSchema } from "../../../libs/db/migrate";
import type { CursorCodec } from "../../../libs/task-query";
import type { ApplyOptions, IndexChange, SearchEngine, SearchQuery } from "../engine";
import { migrations, SEARCH_SCHEMA } from "../migrations";
import { applyChanges, purgeTombstones, sweepStale } from "./pg-writer";
import { PgSearch } from "./pg-search";

/** Postgres full text on the search schema: the embedded default, and the fallback without MEILI_URL. */
export class PgSearchEngine implements SearchEngine {
  readonly name = "postgres" as const;
  private readonly searcher: PgSearch;

  constructor(
    private readonly db: Db,
    cursors: CursorCodec,
    private readonly clock: Clock,
  ) {
    this.searcher = new PgSearch(db, cursors, clock);
  }

  prepare(): Promise<void> {
    return migrateSchema(this.db, SEARCH_SCHEMA, migrations);
  }

  apply(changes: IndexChange[], options?: ApplyOptions): Promise<void> {
    return applyChanges(this.db, changes, this.clock.now(), options);
  }

  sweep(startedAt: Date): Promise<number> {
    return sweepStale(this.db, startedAt, this.clock.now());
  }

  purgeTombstones(before: Date): Promise<number> {
    return purgeTombstones(this.db, before);
  }

  search(auth: AuthMeta, query: SearchQuery): Promise<SearchPage> {
    return this.searcher.search(auth, query);
  }

  health(): Promise<void> {
    return ping(this.db);
  }
}

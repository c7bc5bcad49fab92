import type { Index, Meilisearch } from "meilisearch" with { "resolution-mode": "import" };
import type { Clock } from "../../../libs/clock";
import type { AuthMeta, TaskDto, TaskPage } from "../../../libs/contracts";
import { UnavailableError } from "../../../libs/errors";
import { CursorCodec, queryFingerprint } from "../../../libs/task-query";
import { ApplyOptions, changeId, changeVersion, IndexChange, newestPerTask, SearchEngine, SearchQuery } from "../engine";
import { MEILI_SETTINGS, MeiliDoc, toMeiliDoc } from "./meili-documents";
import { meiliFilter, meiliSort } from "./meili-query";

type MeiliModule = typeof import("meilisearch", { with: { "resolution-mode": "import" } });

/**
 * The client is an ES module only: Node 22 requires it natively, and only when MEILI_URL
 * is set (jest compiles it, see jest.config.js).
 */
function loadClient(): MeiliModule {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require("meilisearch") as MeiliModule;
}

export interface MeiliOptions {
  url: string;
  masterKey?: string;
  /** The index uid; deployments sharing a server use their namespace. */
  indexUid: string;
}

/** How long to wait for Meilisearch to finish a task before the batch counts as failed (and is retried). */
const TASK_TIMEOUT_MS = 60_000;

/**
 * Meilisearch, through the official client.
 *
 * Monotonic writes: Meilisearch replaces documents whole and has no conditional write, so
 * each batch reads the stored versions of its ids first and drops changes that are not
 * newer, then waits for its write to finish before the next batch reads. One search
 * replica consumes in order per batch; with several, two batches touching the same task
 * at the same instant could still race (last writer wins), which `npm run reindex` repairs.
 *
 * Paging: keyset needs range filters on every sort key, which Meilisearch lacks for
 * strings, so cursors carry an offset (signed like every cursor). Pages are exact while
 * the results do not change; an insert between two pages can shift one row.
 */
export class MeiliSearchEngine implements SearchEngine {
  readonly name = "meilisearch" as const;
  private client?: Meilisearch;
  private index?: Index<MeiliDoc>;

  constructor(
    private readonly options: MeiliOptions,
    private readonly cursors: CursorCodec,
    private readonly clock: Clock,
  ) {}

  async prepare(): Promise<void> {
    this.index = await this.connect();
  }

  /** Creates the index (a no-op when it exists) and applies the settings; tests substitute it. */
  protected async connect(): Promise<Index<MeiliDoc>> {
    const { Meilisearch: Client } = loadClient();
    this.client = new Client({ host: this.options.url, apiKey: this.options.masterKey });
    await this.client.createIndex(this.options.indexUid, { primaryKey: "id" }).waitTask({ timeout: TASK_TIMEOUT_MS });
    const index = this.client.index<MeiliDoc>(this.options.indexUid);
    await index.updateSettings(MEILI_SETTINGS).waitTask({ timeout: TASK_TIMEOUT_MS });
    return index;
  }

  async apply(changes: IndexChange[], options: ApplyOptions = {}): Promise<void> {
    const index = this.ready();
    const batch = newestPerTask(changes);
    if (batch.length === 0) return;
    const stored = await index.getDocuments({
      filter: `id IN [${batch.map((c) => JSON.stringify(changeId(c))).join(", ")}]`,
      fields: ["id", "version"],
      limit: batch.length,
    });
    const versions = new Map(stored.results.map((d) => [d.id, d.version]));
    const indexedAt = this.clock.now().getTime();
    const writes = batch.filter((c) => {
      const current = versions.get(changeId(c));
      return current === undefined || current < changeVersion(c) || (options.refresh && current === changeVersion(c));
    });
    if (writes.length === 0) return;
    const task = await index.addDocuments(writes.map((c) => toMeiliDoc(c, indexedAt)), { primaryKey: "id" }).waitTask({ timeout: TASK_TIMEOUT_MS });
    if (task.status !== "succeeded") throw new UnavailableError(`meilisearch rejected a batch: ${task.error?.message ?? task.status}`);
  }

  sweep(startedAt: Date): Promise<number> {
    return this.deleteWhere(`deleted = false AND indexedAt < ${startedAt.getTime()}`);
  }

  purgeTombstones(before: Date): Promise<number> {
    return this.deleteWhere(`deleted = true AND indexedAt < ${before.getTime()}`);
  }

  private async deleteWhere(filter: string): Promise<number> {
    const task = await this.ready().deleteDocuments({ filter }).waitTask({ timeout: TASK_TIMEOUT_MS });
    return Number((task.details as { deletedDocuments?: number } | undefined)?.deletedDocuments ?? 0);
  }

  async search(auth: AuthMeta, query: SearchQuery): Promise<TaskPage> {
    const index = this.ready();
    const fingerprint = queryFingerprint("search:meilisearch", query, query.sort ?? "relevance");
    const offset = query.cursor ? Number(this.cursors.decode(query.cursor, fingerprint, auth.userId, 1)[0]) : 0;
    const result = await index.search<{ task: TaskDto }>(query.q, {
      filter: meiliFilter(auth, query, this.clock.now()),
      sort: meiliSort(query.sort),
      offset,
      limit: query.limit + 1,
      attributesToRetrieve: ["task"],
    });
    const items = result.hits.slice(0, query.limit).map((h) => h.task);
    const more = result.hits.length > query.limit;
    return { items, nextCursor: more ? this.cursors.encode(fingerprint, auth.userId, [offset + query.limit]) : null };
  }

  async health(): Promise<void> {
    this.ready();
    await this.client?.health();
  }

  private ready(): Index<MeiliDoc> {
    if (!this.index) throw new UnavailableError("meilisearch engine is not prepared");
    return this.index;
  }
}

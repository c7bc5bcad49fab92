import type { Index, Meilisearch } from "meilisearch" with { "resolution-mode": "import" };
import type { Clock } from "../../../libs/clock";
import type { AuthMeta, SearchPage, TaskDto } from "../../../libs/contracts";
import { UnavailableError } from "../../../libs/errors";
import type { CursorCodec } from "../../../libs/task-query";
import { ApplyOptions, changeTaskId, changeVersion, IndexChange, newestPerTask, SearchEngine, SearchQuery } from "../engine";
import { MEILI_SETTINGS, MeiliComment, MeiliDoc, mergeComment, toMeiliComment, toMeiliDoc } from "./meili-documents";
import { highlightsOf } from "../highlights";
import { buildMeiliSearch } from "./meili-request";

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
 * Paging: with a sort on numeric keys (all but title), pages are keyset pages like on
 * Postgres: the cursor carries the last hit's sort values and the next page filters on what
 * comes after them, so inserts between pages shift nothing. Relevance and title sorts (no
 * range filter on a score or a string) carry an offset: exact while the results do not change.
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
    const ids = [...new Set(batch.map(changeTaskId))];
    const stored = await index.getDocuments({
      filter: `id IN [${ids.map((id) => JSON.stringify(id)).join(", ")}]`,
      fields: ["id", "version", "deleted", "comments"],
      limit: ids.length,
    });
    const docs = new Map(stored.results.map((d) => [d.id, d]));
    const indexedAt = this.clock.now().getTime();
    // Comment changes merge into their task's stored comments, monotonically per comment.
    const comments = new Map<string, MeiliComment[]>();
    const commented = new Map<string, string>();
    for (const c of batch) {
      if (c.kind !== "comment") continue;
      const list = comments.get(c.comment.taskId) ?? [...(docs.get(c.comment.taskId)?.comments ?? [])];
      comments.set(c.comment.taskId, list);
      if (mergeComment(list, toMeiliComment(c.comment), options.refresh)) commented.set(c.comment.taskId, c.comment.ownerId);
    }
    const writes: MeiliDoc[] = [];
    for (const c of batch) {
      if (c.kind === "comment") continue;
      const current = docs.get(changeTaskId(c))?.version;
      if (!(current === undefined || current < changeVersion(c) || (options.refresh && current === changeVersion(c)))) continue;
      const id = changeTaskId(c);
      writes.push(toMeiliDoc(c, indexedAt, comments.get(id) ?? docs.get(id)?.comments));
      commented.delete(id);
    }
    // Comments of tasks no write above replaced: a partial update of a live document, or a
    // placeholder for a task not indexed yet. A deleted task's comments are dropped.
    const partial: Pick<MeiliDoc, "id" | "comments">[] = [];
    for (const [taskId, ownerId] of commented) {
      const doc = docs.get(taskId);
      if (!doc) writes.push({ id: taskId, version: 0, deleted: true, indexedAt, ownerId, comments: comments.get(taskId) });
      else if (!doc.deleted || doc.version === 0) partial.push({ id: taskId, comments: comments.get(taskId) });
    }
    if (writes.length) await this.wait(index.addDocuments(writes, { primaryKey: "id" }));
    if (partial.length) await this.wait(index.updateDocuments(partial, { primaryKey: "id" }));
  }

  /** Waits for a write to finish; a rejected one fails the batch (and is retried). */
  private async wait(enqueued: { waitTask(options: { timeout: number }): Promise<{ status: string; error?: { message: string } | null }> }): Promise<void> {
    const task = await enqueued.waitTask({ timeout: TASK_TIMEOUT_MS });
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

  async search(auth: AuthMeta, query: SearchQuery): Promise<SearchPage> {
    const index = this.ready();
    const request = buildMeiliSearch(auth, query, this.cursors, this.clock.now());
    const result = await index.search<{ task: TaskDto; comments?: MeiliComment[] }>(query.q, request.params);
    const items = result.hits.slice(0, query.limit).map((h) => ({
      ...h.task,
      highlights: highlightsOf(h.task, query.q, true, h.comments?.filter((c) => !c.deleted)),
    }));
    const last = items[items.length - 1];
    const page: SearchPage = { items, nextCursor: result.hits.length > query.limit && last ? request.nextCursor(last) : null };
    if (!request.facets) return page;
    // A keyset page's filter cuts what came before: its counts come from the whole match set.
    const distribution = request.facetsParams
      ? (await index.search(query.q, request.facetsParams)).facetDistribution
      : result.facetDistribution;
    return { ...page, facets: request.facets(distribution), facetsComplete: true };
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

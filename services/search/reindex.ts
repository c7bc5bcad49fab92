import type { Clock } from "../../libs/clock";
import type { TaskDto } from "../../libs/contracts";
import type { SearchEngine } from "./engine";

export interface ExportPage {
  items: TaskDto[];
  /** The source's estimate of how many tasks there are, when asked for. */
  total?: number;
}

/** One page of every task, by id (the tasks service's `tasks.export`). */
export type FetchPage = (afterId: string | undefined, limit: number, withTotal: boolean) => Promise<ExportPage>;

export interface ReindexOptions {
  batchSize?: number;
  onStart?(total: number): void;
  onProgress?(done: number): void;
}

export interface ReindexResult {
  indexed: number;
  removed: number;
}

/**
 * Rebuilds the index from the source: every task is written again (as a refresh, so equal
 * versions are rewritten and marked fresh), then whatever the pass did not touch is
 * removed, since its task no longer exists. Events keep flowing meanwhile; the version
 * check keeps whichever write is newer. The next page is fetched while one is written.
 */
export async function reindex(engine: SearchEngine, fetchPage: FetchPage, clock: Clock, options: ReindexOptions = {}): Promise<ReindexResult> {
  const batchSize = options.batchSize ?? 1_000;
  // The engine stamps what it writes with the same clock, so the sweep compares like with like.
  const startedAt = clock.now();
  let page = await fetchPage(undefined, batchSize, true);
  options.onStart?.(page.total ?? 0);
  let indexed = 0;
  while (page.items.length > 0) {
    const last = page.items[page.items.length - 1]!.id;
    const next = page.items.length === batchSize ? fetchPage(last, batchSize, false) : Promise.resolve({ items: [] });
    await engine.apply(
      page.items.map((task) => ({ kind: "upsert", task })),
      { refresh: true },
    );
    indexed += page.items.length;
    options.onProgress?.(indexed);
    page = await next;
  }
  const removed = await engine.sweep(startedAt);
  return { indexed, removed };
}

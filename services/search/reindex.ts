import type { Clock } from "../../libs/clock";
import type { CommentEvent, TaskDto } from "../../libs/contracts";
import { COMMENT_CHANNELS } from "../../libs/contracts";
import type { SearchEngine } from "./engine";
import { commentChangeOf } from "./task-events";

export interface ExportPage {
  items: TaskDto[];
  /** The source's estimate of how many tasks there are, when asked for. */
  total?: number;
}

/** One page of every task, by id (the tasks service's `tasks.export`). */
export type FetchPage = (afterId: string | undefined, limit: number, withTotal: boolean) => Promise<ExportPage>;

/** One page of every comment, by id (the tasks service's `tasks.commentsForReindex`). */
export type FetchComments = (afterId: string | undefined, limit: number) => Promise<{ items: CommentEvent[] }>;

export interface ReindexOptions {
  batchSize?: number;
  onStart?(total: number): void;
  onProgress?(done: number): void;
}

export interface ReindexResult {
  indexed: number;
  /** Comments written again (their text searchable in their task's document). */
  comments: number;
  removed: number;
}

/**
 * Rebuilds the index from the source: every task is written again (as a refresh, so equal
 * versions are rewritten and marked fresh), then every comment the same way, then whatever
 * the pass did not touch is removed, since its task (or comment) no longer exists. Events keep flowing meanwhile; the version
 * check keeps whichever write is newer. The next page is fetched while one is written.
 */
export async function reindex(engine: SearchEngine, fetchPage: FetchPage, fetchComments: FetchComments, clock: Clock, options: ReindexOptions = {}): Promise<ReindexResult> {
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
  let comments = 0;
  let commentPage = await fetchComments(undefined, batchSize);
  while (commentPage.items.length > 0) {
    const last = commentPage.items[commentPage.items.length - 1]!.commentId;
    const next = commentPage.items.length === batchSize ? fetchComments(last, batchSize) : Promise.resolve({ items: [] });
    await engine.apply(
      commentPage.items.map((event) => commentChangeOf(COMMENT_CHANNELS.updated, event)),
      { refresh: true },
    );
    comments += commentPage.items.length;
    commentPage = await next;
  }
  const removed = await engine.sweep(startedAt);
  return { indexed, comments, removed };
}

import { MAX_FACET_VALUES, PRIORITIES, TaskDto } from "../../../libs/contracts";
import type { IndexChange, IndexedComment } from "../engine";
import { idKey } from "./meili-query";

/**
 * A task as Meilisearch stores it: the text to search, a number or string per filter and
 * sort key (instants as epoch milliseconds), and the TaskDto it answers with. An undated
 * task has no `dueAt`, and Meilisearch sorts documents without the sort field last in
 * either direction, which is the API's rule. A deleted task is a tombstone: `deleted`, its
 * version, no text, so a late older event cannot bring it back.
 */
export interface MeiliDoc {
  id: string;
  version: number;
  deleted: boolean;
  /** When a write last touched it: a rebuild removes what it did not touch. */
  indexedAt: number;
  ownerId: string;
  projectId?: string | null;
  /** Null for a top-level task (filtered with `IS NULL`). */
  parentId?: string | null;
  blocked?: boolean;
  status?: string;
  priority?: number;
  title?: string;
  description?: string;
  tags?: string[];
  dueAt?: number;
  createdAt?: number;
  updatedAt?: number;
  /** The id's order as a number: the tie-break keyset pages filter on (see idKey). */
  idKey?: number;
  task?: TaskDto;
  /**
   * The task's comments (tombstones too, with their versions, so a late older event cannot
   * bring one back): `comments.text` is searched. Kept across task writes, which replace
   * the rest of the document. A comment that arrives before its task makes a placeholder:
   * a version-0 tombstone any real write of the task replaces.
   */
  comments?: MeiliComment[];
}

export interface MeiliComment {
  id: string;
  version: number;
  deleted: boolean;
  /** Empty for a deleted comment. */
  text: string;
  createdAt: number;
}

export const toMeiliComment = (c: IndexedComment): MeiliComment => ({
  id: c.id,
  version: c.version,
  deleted: c.deleted,
  text: c.deleted ? "" : c.text,
  createdAt: ms(c.createdAt),
});

/** Puts a comment change into a task's comments, oldest first, if it is newer than what they hold; reports whether it did. */
export function mergeComment(comments: MeiliComment[], change: MeiliComment, refresh = false): boolean {
  const i = comments.findIndex((c) => c.id === change.id);
  const current = i >= 0 ? comments[i]! : undefined;
  if (current && !(current.version < change.version || (refresh && current.version === change.version))) return false;
  if (current) comments[i] = change;
  else comments.push(change);
  comments.sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return true;
}

const ms = (iso: string) => Date.parse(iso);

/** A task change as the document it writes; an upsert keeps the task's stored comments. */
export function toMeiliDoc(change: Exclude<IndexChange, { kind: "comment" }>, indexedAt: number, comments?: MeiliComment[]): MeiliDoc {
  if (change.kind === "delete") return { id: change.id, version: change.version, deleted: true, indexedAt, ownerId: change.ownerId };
  const t = change.task;
  return {
    id: t.id,
    version: t.version,
    deleted: false,
    indexedAt,
    ownerId: t.ownerId,
    projectId: t.projectId,
    parentId: t.parentId ?? null,
    blocked: t.blocked ?? false,
    status: t.status,
    priority: PRIORITIES.indexOf(t.priority),
    title: t.title,
    description: t.description,
    tags: t.tags,
    ...(t.dueAt ? { dueAt: ms(t.dueAt) } : {}),
    createdAt: ms(t.createdAt),
    updatedAt: ms(t.updatedAt),
    idKey: idKey(t.id),
    task: t,
    ...(comments?.length ? { comments } : {}),
  };
}

/** The index settings: what is searched, filtered and sorted, and how typos are forgiven. */
export const MEILI_SETTINGS = {
  searchableAttributes: ["title", "tags", "description", "comments.text"],
  // ownerId and projectId carry visibility; the rest are the list filters and bookkeeping.
  // Keyset pages filter on the sort keys and idKey (the tie-break).
  filterableAttributes: ["ownerId", "projectId", "parentId", "blocked", "status", "priority", "tags", "dueAt", "deleted", "id", "version", "indexedAt", "createdAt", "updatedAt", "idKey"],
  sortableAttributes: ["dueAt", "priority", "createdAt", "updatedAt", "title", "id", "idKey"],
  displayedAttributes: ["id", "version", "deleted", "ownerId", "task", "comments"],
  // "sort" first: with a `sort` the API promises that order, not relevance buckets sorted
  // within; without one the rule does nothing and relevance decides.
  rankingRules: ["sort", "words", "typo", "proximity", "attribute", "exactness"],
  // Comments match whole words and prefixes only, as on Postgres.
  typoTolerance: { enabled: true, minWordSizeForTypos: { oneTypo: 4, twoTypos: 8 }, disableOnAttributes: ["comments.text"] },
  // Offset paging (relevance, title sorts) reaches this deep.
  pagination: { maxTotalHits: 100_000 },
  // Facet counts: the most frequent values, as the Postgres engine answers.
  faceting: { maxValuesPerFacet: MAX_FACET_VALUES, sortFacetValuesBy: { "*": "count" as const } },
};

import { MAX_FACET_VALUES, PRIORITIES, TaskDto } from "../../../libs/contracts";
import type { IndexChange } from "../engine";
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
}

const ms = (iso: string) => Date.parse(iso);

export function toMeiliDoc(change: IndexChange, indexedAt: number): MeiliDoc {
  if (change.kind === "delete") return { id: change.id, version: change.version, deleted: true, indexedAt, ownerId: change.ownerId };
  const t = change.task;
  return {
    id: t.id,
    version: t.version,
    deleted: false,
    indexedAt,
    ownerId: t.ownerId,
    projectId: t.projectId,
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
  };
}

/** The index settings: what is searched, filtered and sorted, and how typos are forgiven. */
export const MEILI_SETTINGS = {
  searchableAttributes: ["title", "tags", "description"],
  // ownerId and projectId carry visibility; the rest are the list filters and bookkeeping.
  // Keyset pages filter on the sort keys and idKey (the tie-break).
  filterableAttributes: ["ownerId", "projectId", "status", "priority", "tags", "dueAt", "deleted", "id", "version", "indexedAt", "createdAt", "updatedAt", "idKey"],
  sortableAttributes: ["dueAt", "priority", "createdAt", "updatedAt", "title", "id", "idKey"],
  displayedAttributes: ["id", "version", "task"],
  // "sort" first: with a `sort` the API promises that order, not relevance buckets sorted
  // within; without one the rule does nothing and relevance decides.
  rankingRules: ["sort", "words", "typo", "proximity", "attribute", "exactness"],
  typoTolerance: { enabled: true, minWordSizeForTypos: { oneTypo: 4, twoTypos: 8 } },
  // Offset paging (relevance, title sorts) reaches this deep.
  pagination: { maxTotalHits: 100_000 },
  // Facet counts: the most frequent values, as the Postgres engine answers.
  faceting: { maxValuesPerFacet: MAX_FACET_VALUES, sortFacetValuesBy: { "*": "count" as const } },
};

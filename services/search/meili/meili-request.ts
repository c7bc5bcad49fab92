import type { SearchParams } from "meilisearch" with { "resolution-mode": "import" };
import type { AuthMeta, FacetCounts, TaskDto } from "../../../libs/contracts";
import { CursorCodec, queryFingerprint, withTieBreak } from "../../../libs/task-query";
import type { SearchQuery } from "../engine";
import { FACET_ATTRIBUTE, fromDistribution, keysetFilter, keysetPageable, keysetValues, meiliFilter, meiliSort } from "./meili-query";

/** One search as Meilisearch parameters, with how to continue it: built without a server, so tests read it. */
export interface MeiliSearchRequest {
  params: SearchParams;
  /** The cursor of the page after one ending with `last`. */
  nextCursor(last: TaskDto): string;
  /** When facets were asked for: the counts in the API's names. */
  facets?: (distribution: Record<string, Record<string, number>> | undefined) => FacetCounts;
  /** A second, hit-less search for the counts, when this page's filter is narrower than the match set. */
  facetsParams?: SearchParams;
}

export function buildMeiliSearch(auth: AuthMeta, query: SearchQuery, cursors: CursorCodec, now: Date): MeiliSearchRequest {
  const filter = meiliFilter(auth, query, now);
  const facetNames = query.facets?.length ? query.facets : undefined;
  const facetAttributes = facetNames?.map((f) => FACET_ATTRIBUTE[f]);
  const base: SearchParams = { sort: meiliSort(query.sort), limit: query.limit + 1, attributesToRetrieve: ["task", "comments"] };
  const facets = facetNames ? (d: Record<string, Record<string, number>> | undefined) => fromDistribution(facetNames, d) : undefined;

  if (keysetPageable(query.sort)) {
    const sort = query.sort;
    const fingerprint = queryFingerprint("search:meilisearch:keyset", query, sort);
    const width = withTieBreak(sort).length;
    const after = query.cursor ? cursors.decode(query.cursor, fingerprint, auth.userId, width) : undefined;
    return {
      params: { ...base, filter: after ? [...filter, keysetFilter(sort, after)] : filter, ...(facetAttributes && !after ? { facets: facetAttributes } : {}) },
      nextCursor: (last) => cursors.encode(fingerprint, auth.userId, keysetValues(last, sort)),
      facets,
      ...(facetAttributes && after ? { facetsParams: { filter, facets: facetAttributes, limit: 0 } } : {}),
    };
  }
  const fingerprint = queryFingerprint("search:meilisearch", query, query.sort ?? "relevance");
  const offset = query.cursor ? Number(cursors.decode(query.cursor, fingerprint, auth.userId, 1)[0]) : 0;
  return {
    params: { ...base, filter, offset, ...(facetAttributes ? { facets: facetAttributes } : {}) },
    nextCursor: () => cursors.encode(fingerprint, auth.userId, [offset + query.limit]),
    facets,
  };
}

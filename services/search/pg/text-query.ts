/** Words of a query, lower-cased: letters and digits only, so nothing reaches tsquery syntax. */
export function queryWords(q: string): string[] {
  return (q.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, 16);
}

/** Every word as a prefix, all required: "land pag" finds "Landing page". */
export function prefixTsquery(q: string): string {
  return queryWords(q)
    .map((w) => `${w}:*`)
    .join(" & ");
}

/** The `simple` configuration: no stemming or stop words, so prefixes behave the same in every language. */
export const TS_CONFIG = "simple";

/** Title weighs most, then tags, then description. Computed by the writer from the very values it stores. */
export const TSV_SQL = `setweight(to_tsvector('${TS_CONFIG}', ?), 'A') || setweight(to_tsvector('${TS_CONFIG}', ?), 'B') || setweight(to_tsvector('${TS_CONFIG}', ?), 'C')`;

/**
 * A document matches by prefix on its words, or by trigram likeness to its title (a typo):
 * `strict_word_similarity` compares the query with the title's best-matching words, so
 * "grocries" finds "Buy groceries for the party" (0.58 ≥ the default threshold 0.5), where
 * `similarity` over the whole title would not. Both sides use their GIN index.
 */
export const MATCH_SQL = `(tsv @@ to_tsquery('${TS_CONFIG}', ?) or ? <<% title)`;

/** Relevance: text rank plus title likeness, so a typo match still ranks. */
export const RANK_SQL = `(ts_rank(tsv, to_tsquery('${TS_CONFIG}', ?)) + strict_word_similarity(?, title))::real`;

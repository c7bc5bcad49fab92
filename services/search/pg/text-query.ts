import type { Db } from "../../../libs/db";
import { WORDS } from "../migrations";

/** Words of a query, lower-cased: letters and digits only. */
export function queryWords(q: string): string[] {
  return (q.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, 16);
}

/** The `simple` configuration: no stemming or stop words, so prefixes behave the same in every language. */
export const TS_CONFIG = "simple";

/** Title weighs most, then tags, then description. Computed by the writer from the very values it stores. */
export const TSV_SQL = `setweight(to_tsvector('${TS_CONFIG}', ?), 'A') || setweight(to_tsvector('${TS_CONFIG}', ?), 'B') || setweight(to_tsvector('${TS_CONFIG}', ?), 'C')`;

/** Words longer than this stay out of the vocabulary (a btree key has a size limit). */
export const MAX_WORD_LENGTH = 100;

/** How many indexed words one query word may stand for; a one-letter prefix of a large vocabulary is cut here. */
export const MAX_EXPANSIONS = 50;

/** The indexed words each query word is a prefix of ("land" → landing, lands, ...), in one round trip. */
export async function expandPrefixes(db: Db, words: string[]): Promise<string[][]> {
  if (words.length === 0) return [];
  const perWord = words.map((w, i) =>
    db(WORDS)
      .select(db.raw("? as i", [i]), "word")
      .where("word", ">=", w)
      .andWhere("word", "<", `${w}\u{10FFFF}`)
      .orderBy("word")
      .limit(MAX_EXPANSIONS),
  );
  const rows: { i: number; word: string }[] = perWord.length === 1 ? await perWord[0]! : await db.unionAll(perWord, true);
  const out = words.map(() => [] as string[]);
  for (const r of rows) out[Number(r.i)]!.push(r.word);
  return out;
}

const lexeme = (word: string) => `'${word.replace(/\\/g, "\\\\").replace(/'/g, "''")}'`;

/** Every query word must match one of its expansions: `('land' | 'landing') & ('page')`. Undefined if a word has none. */
export function expandedTsquery(expansions: string[][]): string | undefined {
  if (expansions.length === 0 || expansions.some((e) => e.length === 0)) return undefined;
  return expansions.map((e) => `(${e.map(lexeme).join(" | ")})`).join(" & ");
}

/**
 * How a search matches and ranks. "words": every word by prefix, ranked by `ts_rank`.
 * "typo", when no document matches that way: trigram likeness of the query to the title's
 * best-matching words (`strict_word_similarity`, ≥ 0.5 by default: "grocries" finds "Buy
 * groceries for the party" at 0.58, where `similarity` over the whole title would not).
 */
export type MatchMode = "words" | "typo";

export function matchSql(mode: MatchMode, tsquery: string | undefined, q: string): { sql: string; bindings: string[] } {
  return mode === "words" ? { sql: "tsv @@ ?::tsquery", bindings: [tsquery ?? ""] } : { sql: "? <<% title", bindings: [q] };
}

export function rankSql(mode: MatchMode, tsquery: string | undefined, q: string): { sql: string; bindings: string[] } {
  return mode === "words"
    ? { sql: "ts_rank(tsv, ?::tsquery)::real", bindings: [tsquery ?? ""] }
    : { sql: "strict_word_similarity(?, title)::real", bindings: [q] };
}

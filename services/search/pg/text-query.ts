import type { Knex } from "knex";
import type { AuthMeta } from "../../../libs/contracts";
import { abilityFromMeta } from "../../../libs/authz";
import type { Db } from "../../../libs/db";
import { preparedReplanned } from "../../../libs/db/prepared";
import { SCOPE_WORDS } from "../migrations";

export { queryWords } from "../highlights";

/** The `simple` configuration: no stemming or stop words, so prefixes behave the same in every language. */
export const TS_CONFIG = "simple";

/** Title weighs most, then tags, then description. Computed by the writer from the very values it stores. */
export const TSV_SQL = `setweight(to_tsvector('${TS_CONFIG}', ?), 'A') || setweight(to_tsvector('${TS_CONFIG}', ?), 'B') || setweight(to_tsvector('${TS_CONFIG}', ?), 'C')`;

/** The comments' text of a task, after the task's own fields: weight D, ranked lowest. */
export const COMMENTS_TSV_SQL = `setweight(to_tsvector('${TS_CONFIG}', ?), 'D')`;

/**
 * How much comment text (in characters, oldest comments first) one task's document holds: a
 * tsvector holds at most 1 MB, and a hundred long comments are plenty to be found by.
 */
export const MAX_COMMENT_TEXT = 100_000;

/** Words longer than this stay out of the vocabulary (a btree key has a size limit). */
export const MAX_WORD_LENGTH = 100;

/** How many of the caller's words one query word may stand for: the most frequent ones. */
export const MAX_EXPANSIONS = 50;

/**
 * How many vocabulary entries (in word order, per scope) a prefix looks at to pick them: a
 * one-letter prefix of a heavy user's vocabulary stays a bounded index range.
 */
export const VOCABULARY_SCAN = 5_000;

/**
 * The vocabulary scopes the caller reads: their private tasks (their id) and each project
 * they are a member of, taken from the same rules that decide which documents they see. A
 * rule of another shape adds no scope: fewer expansions, never someone else's words.
 */
export function visibleScopes(auth: AuthMeta): string[] {
  const scopes = new Set<string>();
  for (const rule of abilityFromMeta(auth).rulesFor("read", "Task")) {
    const c = rule.conditions as { ownerId?: unknown; projectId?: unknown } | undefined;
    if (rule.inverted || !c) continue;
    if (c.projectId === null && typeof c.ownerId === "string") scopes.add(c.ownerId);
    const inList = (c.projectId as { $in?: unknown } | null | undefined)?.$in;
    if (Array.isArray(inList)) for (const p of inList) if (typeof p === "string") scopes.add(p);
  }
  return [...scopes].sort();
}

/**
 * The words of the caller's scopes each query word is a prefix of ("land" → landing, lands,
 * ...), most frequent first, in one round trip. From the first letter: the vocabulary is the
 * caller's own, so nobody else's words crowd it.
 */
export async function expandPrefixes(db: Db, scopes: string[], words: string[]): Promise<string[][]> {
  if (words.length === 0) return [];
  if (scopes.length === 0) return words.map(() => []);
  const rows = await preparedReplanned<{ i: number; word: string }[]>(db, expansionSql(db, scopes, words));
  const out = words.map(() => [] as string[]);
  for (const r of rows) out[Number(r.i)]!.push(r.word);
  return out;
}

/** The expansion query (rows of query word index and word), built and not run. */
export function expansionSql(db: Db, scopes: string[], words: string[]): Knex.QueryBuilder {
  const perWord = words.map((w, i) =>
    db
      .select(db.raw("? as i", [i]), "word")
      .from(
        db
          .select("word", db.raw("sum(docs) as docs"))
          .from(
            // One ordered range per scope, the scope a literal: the planner then knows a heavy
            // user's scope is large and walks the index in order, stopping at VOCABULARY_SCAN.
            db
              .unionAll(
                scopes.map((scope) =>
                  db(SCOPE_WORDS)
                    .select("word", "docs")
                    .where("scope", scope)
                    .andWhere("word", ">=", w)
                    .andWhere("word", "<", `${w}\u{10FFFF}`)
                    .orderBy("word")
                    .limit(VOCABULARY_SCAN),
                ),
                true,
              )
              .as("found"),
          )
          .groupBy("word")
          .as("counted"),
      )
      .orderBy([{ column: "docs", order: "desc" }, { column: "word" }])
      .limit(MAX_EXPANSIONS),
  );
  return perWord.length === 1 ? perWord[0]! : db.unionAll(perWord, true);
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

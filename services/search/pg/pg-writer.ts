import type { Knex } from "knex";
import { PRIORITIES } from "../../../libs/contracts";
import type { Db } from "../../../libs/db";
import { ApplyOptions, changeId, IndexChange, newestPerTask } from "../engine";
import { DOCS, SCOPE_SQL, SCOPE_WORDS } from "../migrations";
import { MAX_WORD_LENGTH, TSV_SQL } from "./text-query";

const DOC_COLUMNS = [
  "version", "deleted", "indexed_at", "owner_id", "project_id", "status", "priority",
  "due_at", "created_at", "updated_at", "title", "tags", "doc", "tsv",
] as const;

/** A document's place in the vocabulary: its scope and its words (none for a tombstone). */
interface Vocabulary {
  id: string;
  scope: string;
  words: string[] | null;
}
const VOCABULARY = [`id`, `${SCOPE_SQL} as scope`, "tsvector_to_array(tsv) as words"];

/** Advisory lock class of search writes (the second key is the id's hash). */
const WRITE_LOCK_CLASS = 0x5ea7c4;

/**
 * Writes batches of changes in one transaction. `where version <` makes each write monotonic:
 * a redelivered or late older event changes nothing. `now` is the clock's: a rebuild's sweep
 * and the tombstone purge compare against the same clock.
 *
 * The per-scope vocabulary moves with the documents: each written document takes its old
 * words out of its old scope and puts its new words into its new one. The batch first locks
 * its ids (new ones too, hence advisory locks) in one order, so what it subtracts is what
 * the rows held, and concurrent batches never deadlock.
 */
export async function applyChanges(db: Db, changes: IndexChange[], now: Date, options: ApplyOptions = {}): Promise<void> {
  const batch = newestPerTask(changes);
  if (batch.length === 0) return;
  const newer = options.refresh ? `${DOCS}.version <= excluded.version` : `${DOCS}.version < excluded.version`;
  const upserts = batch.flatMap((c) => (c.kind === "upsert" ? [c.task] : []));
  const deletes = batch.flatMap((c) => (c.kind === "delete" ? [c] : []));
  await db.transaction(async (trx) => {
    const ids = batch.map(changeId);
    await trx.raw(
      `select pg_advisory_xact_lock(${WRITE_LOCK_CLASS}, k) from (select distinct hashtext(id) as k from unnest(?::text[]) id order by k) keys`,
      [ids],
    );
    const before: Vocabulary[] = await trx(DOCS).select(trx.raw(VOCABULARY.join(", "))).whereIn("id", ids).orderBy("id").forUpdate();
    const after: Vocabulary[] = [];
    if (upserts.length) {
      const rows = upserts.map((t) => ({
        id: t.id,
        version: t.version,
        deleted: false,
        indexed_at: now,
        owner_id: t.ownerId,
        project_id: t.projectId,
        status: t.status,
        priority: PRIORITIES.indexOf(t.priority),
        due_at: t.dueAt,
        created_at: t.createdAt,
        updated_at: t.updatedAt,
        title: t.title,
        tags: t.tags,
        doc: JSON.stringify(t),
        tsv: trx.raw(TSV_SQL, [t.title, t.tags.join(" "), t.description]),
      }));
      after.push(...(await trx(DOCS).insert(rows).onConflict("id").merge([...DOC_COLUMNS]).whereRaw(newer).returning(VOCABULARY.map((c) => trx.raw(c)))));
    }
    if (deletes.length) {
      const rows = deletes.map((d) => ({ id: d.id, version: d.version, deleted: true, indexed_at: now, owner_id: d.ownerId, doc: null, tsv: null }));
      after.push(...(await trx(DOCS).insert(rows).onConflict("id").merge(["version", "deleted", "indexed_at", "doc", "tsv"]).whereRaw(newer).returning(VOCABULARY.map((c) => trx.raw(c)))));
    }
    const written = new Set(after.map((r) => r.id));
    await moveWords(trx, before.filter((r) => written.has(r.id)), after);
  });
}

/** Takes the words of `removed` documents out of their scopes and adds those of `added`; a word at zero leaves. */
async function moveWords(trx: Knex, removed: Vocabulary[], added: Vocabulary[]): Promise<void> {
  const delta = new Map<string, number>();
  const count = (docs: Vocabulary[], by: number) => {
    for (const d of docs) for (const w of d.words ?? []) if (w.length <= MAX_WORD_LENGTH) delta.set(`${d.scope} ${w}`, (delta.get(`${d.scope} ${w}`) ?? 0) + by);
  };
  count(removed, -1);
  count(added, 1);
  const entries = [...delta].filter(([, n]) => n !== 0).map(([key, n]) => [key.slice(0, 36), key.slice(37), n] as const);
  if (entries.length === 0) return;
  const cols = [entries.map((e) => e[0]), entries.map((e) => e[1]), entries.map((e) => e[2])];
  // Sorted, so concurrent writers take the vocabulary's key locks in one order.
  await trx.raw(
    `insert into ${SCOPE_WORDS} (scope, word, docs)
     select scope, word, docs from unnest(?::uuid[], ?::text[], ?::int[]) as d(scope, word, docs) order by scope, word collate "C"
     on conflict (scope, word) do update set docs = ${SCOPE_WORDS}.docs + excluded.docs`,
    cols,
  );
  const fell = entries.filter((e) => e[2] < 0);
  if (fell.length) {
    await trx.raw(
      `delete from ${SCOPE_WORDS} w using unnest(?::uuid[], ?::text[]) as d(scope, word) where w.scope = d.scope and w.word = d.word and w.docs <= 0`,
      [fell.map((e) => e[0]), fell.map((e) => e[1])],
    );
  }
}

/**
 * Tombstones every live document a rebuild did not refresh: its task is gone from the source.
 * The version stays, so any later real change of that task still wins. Its words leave.
 */
export async function sweepStale(db: Db, startedAt: Date, now: Date): Promise<number> {
  return db.transaction(async (trx) => {
    const { rows } = await trx.raw(
      `with gone as (select ${VOCABULARY.join(", ")} from ${DOCS} where not deleted and indexed_at < ? order by id for update)
       update ${DOCS} d set deleted = true, doc = null, tsv = null, indexed_at = ? from gone where d.id = gone.id
       returning gone.id, gone.scope, gone.words`,
      [startedAt, now],
    );
    await moveWords(trx, rows as Vocabulary[], []);
    return (rows as unknown[]).length;
  });
}

export async function purgeTombstones(db: Db, before: Date): Promise<number> {
  return db(DOCS).whereRaw("deleted").andWhere("indexed_at", "<", before).delete();
}

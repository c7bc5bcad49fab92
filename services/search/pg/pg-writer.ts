import { PRIORITIES } from "../../../libs/contracts";
import type { Db } from "../../../libs/db";
import { ApplyOptions, IndexChange, newestPerTask } from "../engine";
import { DOCS, WORDS } from "../migrations";
import { MAX_WORD_LENGTH, TS_CONFIG, TSV_SQL } from "./text-query";

const DOC_COLUMNS = [
  "version", "deleted", "indexed_at", "owner_id", "project_id", "status", "priority",
  "due_at", "created_at", "updated_at", "title", "tags", "doc", "tsv",
] as const;

/**
 * Writes batches of changes in two statements (upserts, tombstones). `where version <`
 * makes each write monotonic: a redelivered or late older event changes nothing. `now` is
 * the clock's: a rebuild's sweep and the tombstone purge compare against the same clock.
 */
export async function applyChanges(db: Db, changes: IndexChange[], now: Date, options: ApplyOptions = {}): Promise<void> {
  const batch = newestPerTask(changes);
  const newer = options.refresh ? `${DOCS}.version <= excluded.version` : `${DOCS}.version < excluded.version`;
  const upserts = batch.flatMap((c) => (c.kind === "upsert" ? [c.task] : []));
  const deletes = batch.flatMap((c) => (c.kind === "delete" ? [c] : []));
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
      tsv: db.raw(TSV_SQL, [t.title, t.tags.join(" "), t.description]),
    }));
    await db(DOCS).insert(rows).onConflict("id").merge([...DOC_COLUMNS]).whereRaw(newer);
    // The vocabulary prefixes expand to; sorted, so concurrent writers take key locks in one
    // order. Long tokens (pasted links, blobs) stay out: they would bloat it for no prefix use.
    const text = upserts.map((t) => `${t.title} ${t.tags.join(" ")} ${t.description}`).join(" ");
    await db.raw(
      `insert into ${WORDS} (word)
       select distinct w from unnest(tsvector_to_array(to_tsvector('${TS_CONFIG}', ?))) w where length(w) <= ${MAX_WORD_LENGTH}
       order by w on conflict do nothing`,
      [text],
    );
  }
  if (deletes.length) {
    const rows = deletes.map((d) => ({ id: d.id, version: d.version, deleted: true, indexed_at: now, owner_id: d.ownerId, doc: null, tsv: null }));
    await db(DOCS).insert(rows).onConflict("id").merge(["version", "deleted", "indexed_at", "doc", "tsv"]).whereRaw(newer);
  }
}

/**
 * Tombstones every live document a rebuild did not refresh: its task is gone from the source.
 * The version stays, so any later real change of that task still wins.
 */
export async function sweepStale(db: Db, startedAt: Date, now: Date): Promise<number> {
  return db(DOCS)
    .whereRaw("not deleted")
    .andWhere("indexed_at", "<", startedAt)
    .update({ deleted: true, doc: null, tsv: null, indexed_at: now });
}

export async function purgeTombstones(db: Db, before: Date): Promise<number> {
  return db(DOCS).whereRaw("deleted").andWhere("indexed_at", "<", before).delete();
}

import type { Knex } from "knex";
import { PRIORITIES } from "../../../libs/contracts";
import type { Db } from "../../../libs/db";
import { ApplyOptions, changeTaskId, IndexChange, IndexedComment, newestPerTask } from "../engine";
import type { IndexedCommentText } from "../highlights";
import { COMMENTS, DOCS, SCOPE_SQL, SCOPE_WORDS } from "../migrations";
import { COMMENTS_TSV_SQL, MAX_COMMENT_TEXT, MAX_WORD_LENGTH, TS_CONFIG, TSV_SQL } from "./text-query";

const DOC_COLUMNS = [
  "version", "deleted", "indexed_at", "owner_id", "project_id", "parent_id", "blocked", "status", "priority",
  "due_at", "created_at", "updated_at", "title", "tags", "doc", "tsv", "comments",
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
  const newer = (table: string) => (options.refresh ? `${table}.version <= excluded.version` : `${table}.version < excluded.version`);
  const upserts = batch.flatMap((c) => (c.kind === "upsert" ? [c.task] : []));
  const deletes = batch.flatMap((c) => (c.kind === "delete" ? [c] : []));
  const comments = batch.flatMap((c) => (c.kind === "comment" ? [c.comment] : []));
  await db.transaction(async (trx) => {
    const ids = [...new Set(batch.map(changeTaskId))];
    await lockTasks(trx, ids);
    const before: Vocabulary[] = await trx(DOCS).select(trx.raw(VOCABULARY.join(", "))).whereIn("id", ids).orderBy("id").forUpdate();
    const after: Vocabulary[] = [];
    // Comments first, so the task writes below read them.
    const commented = await writeComments(trx, comments, now, newer(COMMENTS));
    if (upserts.length) {
      const texts = await liveComments(trx, upserts.map((t) => t.id));
      const rows = upserts.map((t) => {
        const own = texts.get(t.id);
        return {
          id: t.id,
          version: t.version,
          deleted: false,
          indexed_at: now,
          owner_id: t.ownerId,
          project_id: t.projectId,
          parent_id: t.parentId ?? null,
          blocked: t.blocked ?? false,
          status: t.status,
          priority: PRIORITIES.indexOf(t.priority),
          due_at: t.dueAt,
          created_at: t.createdAt,
          updated_at: t.updatedAt,
          title: t.title,
          tags: t.tags,
          doc: JSON.stringify(t),
          // A task without comments is written exactly as before comments were searchable.
          tsv: own
            ? trx.raw(`${TSV_SQL} || ${COMMENTS_TSV_SQL}`, [t.title, t.tags.join(" "), t.description, own.map((c) => c.text).join(" ")])
            : trx.raw(TSV_SQL, [t.title, t.tags.join(" "), t.description]),
          comments: own ? JSON.stringify(own) : null,
        };
      });
      after.push(...(await trx(DOCS).insert(rows).onConflict("id").merge([...DOC_COLUMNS]).whereRaw(newer(DOCS)).returning(VOCABULARY.map((c) => trx.raw(c)))));
    }
    if (deletes.length) {
      const rows = deletes.map((d) => ({ id: d.id, version: d.version, deleted: true, indexed_at: now, owner_id: d.ownerId, doc: null, tsv: null, comments: null }));
      after.push(
        ...(await trx(DOCS).insert(rows).onConflict("id").merge(["version", "deleted", "indexed_at", "doc", "tsv", "comments"]).whereRaw(newer(DOCS)).returning(VOCABULARY.map((c) => trx.raw(c)))),
      );
    }
    const written = new Set(after.map((r) => r.id));
    // Documents whose comments changed and that no task write above rewrote.
    after.push(...(await refoldComments(trx, commented.filter((id) => !written.has(id)))));
    const changed = new Set(after.map((r) => r.id));
    await moveWords(trx, before.filter((r) => changed.has(r.id)), after);
  });
}

/** Advisory locks on task ids (new ones too), in one order: concurrent batches never deadlock. */
async function lockTasks(trx: Knex, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await trx.raw(
    `select pg_advisory_xact_lock(${WRITE_LOCK_CLASS}, k) from (select distinct hashtext(id) as k from unnest(?::text[]) id order by k) keys`,
    [ids],
  );
}

/** Stores comment changes monotonically by version; returns the tasks whose comments changed. */
async function writeComments(trx: Knex, comments: IndexedComment[], now: Date, newer: string): Promise<string[]> {
  if (comments.length === 0) return [];
  const rows = comments.map((c) => ({
    id: c.id,
    task_id: c.taskId,
    version: c.version,
    deleted: c.deleted,
    text: c.deleted ? null : c.text,
    created_at: c.createdAt,
    indexed_at: now,
  }));
  const written: { task_id: string }[] = await trx(COMMENTS).insert(rows).onConflict("id").merge(["version", "deleted", "text", "indexed_at"]).whereRaw(newer).returning("task_id");
  return [...new Set(written.map((r) => r.task_id))];
}

/**
 * The live comments of these tasks, oldest first, as far as MAX_COMMENT_TEXT characters per
 * task reach (a tsvector holds at most 1 MB). Tasks without comments are absent: one index
 * probe for the whole batch.
 */
async function liveComments(trx: Knex, taskIds: string[]): Promise<Map<string, IndexedCommentText[]>> {
  const rows: { task_id: string; id: string; text: string }[] = await trx(COMMENTS)
    .select("task_id", "id", "text")
    .whereIn("task_id", taskIds)
    .whereRaw("not deleted")
    .orderBy(["task_id", "created_at", "id"]);
  const out = new Map<string, IndexedCommentText[]>();
  const used = new Map<string, number>();
  for (const r of rows) {
    const length = used.get(r.task_id) ?? 0;
    if (length + r.text.length > MAX_COMMENT_TEXT) continue;
    used.set(r.task_id, length + r.text.length + 1);
    out.set(r.task_id, [...(out.get(r.task_id) ?? []), { id: r.id, text: r.text }]);
  }
  return out;
}

/**
 * Rewrites the comment part of these live documents, in one statement: the vector again from
 * the stored title, tags and description (as TSV_SQL computes it on a task write) and the
 * live comments.
 */
async function refoldComments(trx: Knex, taskIds: string[]): Promise<Vocabulary[]> {
  if (taskIds.length === 0) return [];
  const texts = await liveComments(trx, taskIds);
  const own = taskIds.map((id) => texts.get(id));
  const { rows } = await trx.raw(
    `update ${DOCS} d set
       tsv = ${STORED_TSV_SQL} || setweight(to_tsvector('${TS_CONFIG}', coalesce(v.text, '')), 'D'),
       comments = v.comments::jsonb
     from unnest(?::uuid[], ?::text[], ?::text[]) as v(id, text, comments)
     where d.id = v.id and not d.deleted
     returning d.id, ${SCOPE_SQL} as scope, tsvector_to_array(d.tsv) as words`,
    // Null for a task left without comments (the arrays hold nulls, which knex's types do not list).
    [taskIds, own.map((c) => (c ? c.map((x) => x.text).join(" ") : null)), own.map((c) => (c ? JSON.stringify(c) : null))] as unknown as string[][],
  );
  return rows as Vocabulary[];
}

/** TSV_SQL over a stored document's own columns. */
const STORED_TSV_SQL = `setweight(to_tsvector('${TS_CONFIG}', coalesce(d.title, '')), 'A') || setweight(to_tsvector('${TS_CONFIG}', array_to_string(d.tags, ' ')), 'B') || setweight(to_tsvector('${TS_CONFIG}', coalesce(d.doc->>'description', '')), 'C')`;

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
 * The version stays, so any later real change of that task still wins. Its words leave. The
 * same for comments: one the rebuild did not refresh is gone, and its words leave its task.
 */
export async function sweepStale(db: Db, startedAt: Date, now: Date): Promise<number> {
  const comments = await db.transaction(async (trx) => {
    const taskIds: string[] = await trx(COMMENTS).distinct("task_id").whereRaw("not deleted").andWhere("indexed_at", "<", startedAt).pluck("task_id");
    if (taskIds.length === 0) return 0;
    await lockTasks(trx, taskIds);
    const gone = await trx(COMMENTS).whereRaw("not deleted").andWhere("indexed_at", "<", startedAt).update({ deleted: true, text: null, indexed_at: now });
    const before: Vocabulary[] = await trx(DOCS).select(trx.raw(VOCABULARY.join(", "))).whereIn("id", taskIds).orderBy("id").forUpdate();
    const after = await refoldComments(trx, taskIds);
    const changed = new Set(after.map((r) => r.id));
    await moveWords(trx, before.filter((r) => changed.has(r.id)), after);
    return gone;
  });
  const docs = await db.transaction(async (trx) => {
    const { rows } = await trx.raw(
      `with gone as (select ${VOCABULARY.join(", ")} from ${DOCS} where not deleted and indexed_at < ? order by id for update)
       update ${DOCS} d set deleted = true, doc = null, tsv = null, comments = null, indexed_at = ? from gone where d.id = gone.id
       returning gone.id, gone.scope, gone.words`,
      [startedAt, now],
    );
    await moveWords(trx, rows as Vocabulary[], []);
    return (rows as unknown[]).length;
  });
  return docs + comments;
}

/** Drops tombstones older than `before`, and comments whose task has been gone as long. */
export async function purgeTombstones(db: Db, before: Date): Promise<number> {
  const docs = await db(DOCS).whereRaw("deleted").andWhere("indexed_at", "<", before).delete();
  const { rowCount } = await db.raw(
    `delete from ${COMMENTS} c where c.indexed_at < ? and (c.deleted or not exists (select 1 from ${DOCS} d where d.id = c.task_id and not d.deleted))`,
    [before],
  );
  return docs + Number(rowCount ?? 0);
}

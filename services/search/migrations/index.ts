import type { Migration } from "../../../libs/db/migrate";
import { listIndexes, projectListIndexes } from "../../../libs/task-query";

export const SEARCH_SCHEMA = "search";
export const DOCS = `${SEARCH_SCHEMA}.docs`;
/** Per visibility scope (a project, or an owner's private tasks): each word and how many live documents have it. */
export const SCOPE_WORDS = `${SEARCH_SCHEMA}.scope_words`;

/** Comment text per comment, folded into its task's document (issue 17). */
export const COMMENTS = `${SEARCH_SCHEMA}.comments`;

/** The scope of a document: who may see it. A project's members, or its owner alone. */
export const SCOPE_SQL = "coalesce(project_id, owner_id)";

export const migrations: Migration[] = [
  {
    name: "0001_docs",
    async up(db) {
      // Trusted extensions, so the database owner may create them (PGlite loads them in libs/db):
      // trigrams for typos, and btree_gin to put owner_id in front of the text indexes.
      await db.raw("create extension if not exists pg_trgm");
      await db.raw("create extension if not exists btree_gin");
      // The search service's own copy of each task (it never reads tasks.tasks): a column per
      // filter and sort key, the TaskDto it answers with, and the text vector, written by the
      // upsert itself (a generated column would need an IMMUTABLE wrapper around array_to_string).
      // A deleted task stays as a tombstone (deleted, its version) so a late older event cannot
      // bring it back; tombstones carry no document and are outside every index but the key.
      await db.schema.withSchema(SEARCH_SCHEMA).createTable("docs", (t) => {
        t.uuid("id").primary();
        t.integer("version").notNullable();
        t.boolean("deleted").notNullable().defaultTo(false);
        // When a write last touched the row: a rebuild sweeps what it did not touch.
        t.timestamp("indexed_at", { useTz: true }).notNullable();
        // Visibility: the owner now, project members later (rules map fields to these columns).
        t.uuid("owner_id").notNullable();
        t.uuid("project_id");
        t.text("status");
        t.smallint("priority");
        t.timestamp("due_at", { useTz: true });
        t.timestamp("created_at", { useTz: true });
        t.timestamp("updated_at", { useTz: true });
        t.text("title");
        t.specificType("tags", "text[]");
        t.jsonb("doc");
        t.specificType("tsv", "tsvector");
      });
      const live = "where not deleted";
      for (const sql of listIndexes(DOCS, "docs", live)) await db.raw(sql);
      // Owner first: a heavy user's matches are found inside the index, not among everyone's.
      await db.raw(`create index docs_owner_tsv_idx on ${DOCS} using gin (owner_id, tsv) ${live}`);
      await db.raw(`create index docs_owner_title_trgm_idx on ${DOCS} using gin (owner_id, title gin_trgm_ops) ${live}`);
      // Every word ever indexed. A prefix ("land") becomes the words it starts ("landing", ...):
      // exact lexemes intersect with the owner inside the GIN index, where a `land:*` partial
      // match would first collect every user's matches (20 ms for the 100k-task user, not 1).
      await db.schema.withSchema(SEARCH_SCHEMA).createTable("words", (t) => {
        t.specificType("word", 'text collate "C"').primary();
      });
      await db.raw(`create index docs_indexed_at_idx on ${DOCS} (indexed_at) ${live}`);
    },
  },
  {
    // Members read a project's tasks as their own visibility segment, by project_id.
    name: "0002_project_indexes",
    async up(db) {
      for (const sql of projectListIndexes(DOCS, "docs", "where not deleted")) await db.raw(sql);
      await db.raw(`create index if not exists docs_project_tsv_idx on ${DOCS} using gin (project_id, tsv) where not deleted and project_id is not null`);
    },
  },
  {
    // Prefixes expand through the words of the caller's own scopes, not everyone's: a user's
    // "pro" must find their "Project" however many words other tenants start with "pro".
    // Counted per scope, so a word leaves when its last document does and expansions prefer
    // the caller's frequent words.
    name: "0003_scope_words",
    async up(db) {
      await db.raw(`create table ${SCOPE_WORDS} (scope uuid not null, word text collate "C" not null, docs int not null, primary key (scope, word) include (docs))`);
      await db.raw(
        `insert into ${SCOPE_WORDS} (scope, word, docs)
         select ${SCOPE_SQL}, w, count(*) from ${DOCS}, unnest(tsvector_to_array(tsv)) w
         where not deleted and length(w) <= 100 group by 1, 2`,
      );
      await db.raw(`drop table if exists ${SEARCH_SCHEMA}.words`);
    },
  },
  {
    // Comment text is searchable for the task's readers: each comment (or its tombstone, with
    // its version, so a late older event cannot bring it back) is kept here, and its task's
    // document carries the live comments' text in its vector (weight D) and in `comments` for
    // highlights. A comment may arrive before its task: the task's write picks it up then.
    // Also the subtask and dependency filters, so they combine with q.
    name: "0004_comment_text",
    async up(db) {
      await db.schema.withSchema(SEARCH_SCHEMA).createTable("comments", (t) => {
        t.uuid("id").primary();
        t.uuid("task_id").notNullable();
        t.integer("version").notNullable();
        t.boolean("deleted").notNullable().defaultTo(false);
        t.text("text");
        t.timestamp("created_at", { useTz: true }).notNullable();
        t.timestamp("indexed_at", { useTz: true }).notNullable();
      });
      await db.raw(`create index comments_task_idx on ${COMMENTS} (task_id, created_at, id) where not deleted`);
      await db.raw(`create index comments_indexed_at_idx on ${COMMENTS} (indexed_at)`);
      await db.schema.withSchema(SEARCH_SCHEMA).alterTable("docs", (t) => {
        t.jsonb("comments");
        t.uuid("parent_id");
        // A constant default: no table rewrite; only subtasks and blocked tasks are updated.
        t.boolean("blocked").notNullable().defaultTo(false);
      });
      await db.raw(
        `update ${DOCS} set parent_id = (doc->>'parentId')::uuid, blocked = coalesce((doc->>'blocked')::boolean, false)
         where not deleted and (doc->>'parentId' is not null or (doc->>'blocked')::boolean)`,
      );
    },
  },
];

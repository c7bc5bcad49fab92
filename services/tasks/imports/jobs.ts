import { randomUUID } from "node:crypto";
import { authMetaFor, Principal } from "../../../libs/authz";
import { AuthMeta, createTaskInput, ImportFormat, ImportJobDto } from "../../../libs/contracts";
import { asWorkStartedAt, Trx } from "../../../libs/db";
import { AppError, NotFoundError, PayloadTooLargeError, RateLimitedError, ValidationError } from "../../../libs/errors";
import { normaliseTimeZone } from "../../../libs/time";
import { TASKS_SCHEMA } from "../migrations";
import { MEMBERS, ProjectStore } from "../project-store";
import { parseQuickAdd } from "../quick-add";
import { MAX_DEPTH } from "../subtasks";
import type { TaskStore } from "../task-store";
import type { CommentStore } from "../comments";
import type { TaskWriter } from "../task-writer";
import { parseImport } from "./index";
import { ImportFormatError, ImportItem, ImportTask, ParseLimits, quote } from "./items";

const JOBS = `${TASKS_SCHEMA}.imports`;
const CHUNKS = `${TASKS_SCHEMA}.import_chunks`;
const ITEMS = `${TASKS_SCHEMA}.import_items`;
const KEYS = `${TASKS_SCHEMA}.import_keys`;
/** A report lists at most this many unmapped items, then how many more there were. */
export const MAX_UNMAPPED = 1_000;
/** An upload not started within this long is abandoned (its gateway died midway) and purged. */
const UPLOAD_TTL_MS = 60 * 60 * 1000;
/** A finished job's status stays readable this long, then it is purged (what it created, and its keys, stay). */
const FINISHED_TTL_MS = 30 * 24 * 60 * 60 * 1000;
/** A worker holds a job this long per batch; a job whose worker died is taken up again after it. */
const LEASE_SECONDS = 60;
/** A batch that fails this many times fails its job (what it created stays; importing again goes on from there). */
export const MAX_ATTEMPTS = 5;

export interface ImportSettings {
  /** Most bytes an upload may have. */
  maxBytes: number;
  /** Imports one user may have uploading or running at once (429 beyond). */
  maxConcurrent: number;
  /** Items worked through per transaction. */
  batchSize: number;
  limits: ParseLimits;
  /** false: nothing is worked in the background (tests call `step`). */
  background?: boolean;
}

interface JobRow {
  id: string;
  owner_id: string;
  format: ImportFormat;
  source: string | null;
  filename: string;
  status: "uploading" | "running" | "done" | "failed";
  principal: Principal;
  done: number;
  total: number;
  created: number;
  skipped: number;
  unmapped: string[];
  reason: string | null;
  created_at: Date;
  updated_at: Date;
}

function toDto(row: JobRow): ImportJobDto {
  return {
    id: row.id,
    status: row.status === "uploading" ? "running" : row.status,
    format: row.format,
    progress: { done: row.done, total: row.total },
    report: { created: row.created, skipped: row.skipped, unmapped: row.unmapped },
    reason: row.reason,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

/** Appends to a report's unmapped list, keeping it bounded. */
function appendUnmapped(list: string[], more: string[], total: { dropped: number }): string[] {
  const out = list[list.length - 1]?.startsWith("... and ") ? list.slice(0, -1) : [...list];
  const previouslyDropped = list.length > out.length ? Number(/\d+/.exec(list[list.length - 1]!)![0]) : 0;
  let dropped = previouslyDropped;
  for (const line of more) {
    if (out.length < MAX_UNMAPPED) out.push(line);
    else dropped++;
  }
  total.dropped = dropped;
  if (dropped) out.push(`... and ${dropped} more`);
  return out;
}

/**
 * Imports (issue 18). The gateway begins a job, sends the upload in chunks (the bus carries at
 * most 1 MB a message) and starts it: the whole file is parsed then, so a file that cannot be
 * read is refused (422) with nothing created, and its items are stored. A worker then works
 * through them in batches, each one transaction that creates what it can through the API's own
 * path (TaskStore, ProjectStore, hence events, search, reminders, history) and advances the
 * job's progress; a worker that dies leaves a lease that expires, and the next takes the job up
 * where the last committed batch ended. `import_keys` records what each source item became, so
 * importing the same file again creates nothing new.
 */
export class ImportJobs {
  private working: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(
    private readonly writer: TaskWriter,
    private readonly store: TaskStore,
    private readonly projects: ProjectStore,
    private readonly comments: CommentStore,
    private readonly settings: ImportSettings,
    private readonly options: { log?: (message: string, err: unknown) => void; membershipsChanged?: (userId: string) => void } = {},
  ) {}

  private get db() {
    return this.writer.db;
  }

  async begin(auth: AuthMeta, format: ImportFormat, filename: string, size: number): Promise<{ id: string }> {
    if (size > this.settings.maxBytes) throw new PayloadTooLargeError(`an import file may have at most ${this.settings.maxBytes} bytes`);
    const now = this.writer.clock.now();
    return this.writer.transaction(async (trx) => {
      await trx.raw("select pg_advisory_xact_lock(hashtext(?))", [`imports-of:${auth.userId}`]);
      await trx(JOBS).where({ owner_id: auth.userId, status: "uploading" }).where("created_at", "<", new Date(now.getTime() - UPLOAD_TTL_MS)).delete();
      const [{ count }] = await trx(JOBS).where({ owner_id: auth.userId }).whereIn("status", ["uploading", "running"]).count<{ count: string }[]>({ count: "*" });
      if (Number(count) >= this.settings.maxConcurrent) throw new RateLimitedError(30);
      const id = randomUUID();
      const principal: Principal = { id: auth.userId, roles: auth.roles, timezone: auth.timezone };
      await trx(JOBS).insert({ id, owner_id: auth.userId, format, filename, status: "uploading", principal: JSON.stringify(principal), created_at: now, updated_at: now });
      return { id };
    });
  }

  private async own(db: Trx | typeof this.db, auth: AuthMeta, id: string): Promise<JobRow> {
    const row: JobRow | undefined = await db(JOBS).where({ id, owner_id: auth.userId }).first();
    if (!row) throw new NotFoundError(`import ${id} not found`);
    return row;
  }

  async chunk(auth: AuthMeta, id: string, seq: number, data: string): Promise<void> {
    const bytes = Buffer.from(data, "base64");
    await this.db.transaction(async (trx) => {
      const job = await this.own(trx, auth, id);
      if (job.status !== "uploading") throw new ValidationError("The import has started: it takes no more of the file", [{ path: "id", message: "is started" }]);
      const [{ size }] = (await trx.raw(`select coalesce(sum(length(data)), 0)::bigint as size from ${CHUNKS} where import_id = ? and seq <> ?`, [id, seq])).rows;
      if (Number(size) + bytes.length > this.settings.maxBytes) throw new PayloadTooLargeError(`an import file may have at most ${this.settings.maxBytes} bytes`);
      await trx(CHUNKS).insert({ import_id: id, seq, data: bytes }).onConflict(["import_id", "seq"]).merge();
    });
  }

  /** Parses the uploaded file and queues its items; a file it cannot read deletes the job and answers 422. */
  async start(auth: AuthMeta, id: string): Promise<ImportJobDto> {
    const job = await this.own(this.db, auth, id);
    if (job.status !== "uploading") return toDto(job);
    const chunks: { data: Buffer }[] = await this.db(CHUNKS).where({ import_id: id }).orderBy("seq").select("data");
    const file = Buffer.concat(chunks.map((c) => Buffer.from(c.data)));
    let parsed;
    try {
      parsed = parseImport(job.format, file, { filename: job.filename, timezone: auth.timezone ?? "UTC", limits: this.settings.limits });
    } catch (err) {
      await this.db(JOBS).where({ id }).delete();
      if (err instanceof ImportFormatError) throw new ValidationError(`The file cannot be imported as ${job.format}: ${err.message}`, [{ path: "file", message: err.message }]);
      throw err;
    }
    const now = this.writer.clock.now();
    const row = await this.db.transaction(async (trx) => {
      for (let i = 0; i < parsed.items.length; i += 1_000) {
        await trx(ITEMS).insert(parsed.items.slice(i, i + 1_000).map((item, j) => ({ import_id: id, idx: i + j, item: JSON.stringify(item) })));
      }
      await trx(CHUNKS).where({ import_id: id }).delete();
      const done = parsed.items.length === 0;
      const [updated] = await trx(JOBS)
        .where({ id, status: "uploading" })
        .update({ status: done ? "done" : "running", source: parsed.source, total: parsed.items.length, unmapped: JSON.stringify(appendUnmapped([], parsed.unmapped, { dropped: 0 })), updated_at: now })
        .returning("*");
      if (!updated) throw new NotFoundError(`import ${id} not found`);
      return updated as JobRow;
    });
    this.kick();
    return toDto(row);
  }

  async get(auth: AuthMeta, id: string): Promise<ImportJobDto> {
    return toDto(await this.own(this.db, auth, id));
  }

  /** Works through running jobs now (idempotent: one worker loop per process). */
  kick(): void {
    if (this.stopped || this.settings.background === false) return;
    if (this.working) {
      this.again = true;
      return;
    }
    this.working = (async () => {
      do {
        this.again = false;
        while (!this.stopped && (await this.step())) {
          /* next batch */
        }
      } while (this.again && !this.stopped);
    })()
      .catch((err) => this.options.log?.("import worker failed; the job is taken up again when its lease expires", err))
      .finally(() => {
        this.working = null;
      });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.working;
  }

  /** Drops uploads abandoned midway (their gateway died) and finished jobs past FINISHED_TTL_MS. */
  async purge(): Promise<number> {
    const now = this.writer.clock.now().getTime();
    const abandoned = await this.db(JOBS).where({ status: "uploading" }).where("created_at", "<", new Date(now - UPLOAD_TTL_MS)).delete();
    const finished = await this.db(JOBS).whereIn("status", ["done", "failed"]).where("updated_at", "<", new Date(now - FINISHED_TTL_MS)).delete();
    return abandoned + finished;
  }

  /** Claims a running job whose lease is free and works through it (at most `maxBatches` batches); false when there was none. */
  async step(maxBatches = Infinity): Promise<boolean> {
    const claimed: { id: string }[] = (
      await this.db.raw(
        `update ${JOBS} set claimed_until = now() + make_interval(secs => ?) where id = (
           select id from ${JOBS} where status = 'running' and (claimed_until is null or claimed_until < now())
           order by created_at limit 1 for update skip locked) returning id`,
        [LEASE_SECONDS],
      )
    ).rows;
    if (!claimed.length) return false;
    const id = claimed[0]!.id;
    let more = true;
    for (let n = 0; more && !this.stopped && n < maxBatches; n++) {
      // Embedded mode's database answers in microtasks: without a turn of the event loop between
      // batches, requests would not even be read until the whole import is done.
      await new Promise((resolve) => setImmediate(resolve));
      try {
        more = await this.batch(id);
      } catch (err) {
        await this.failedAttempt(id, err);
        throw err;
      }
    }
    return true;
  }

  /**
   * One batch of a claimed job, in one transaction; whether there is more. Each batch counts as
   * work that begins when it asks for the database (embedded mode serves the oldest work first):
   * not as old as the request that started the import, so requests get the session between batches.
   */
  private batch(id: string): Promise<boolean> {
    return asWorkStartedAt(performance.now(), () => this.batchNow(id));
  }

  private async batchNow(id: string): Promise<boolean> {
    const job: JobRow | undefined = await this.db(JOBS).where({ id }).first();
    if (!job || job.status !== "running") return false;
    let madeProjects = false;
    const more = await this.writer.transaction(async (trx) => {
      const locked: JobRow | undefined = await trx(JOBS).where({ id, status: "running" }).forUpdate().first();
      if (!locked) return false;
      const items: { idx: number; item: ImportItem }[] = await trx(ITEMS).where({ import_id: id }).where("idx", ">=", locked.done).orderBy("idx").limit(this.settings.batchSize);
      const run = new BatchRun(trx, this, locked);
      for (const { item } of items) await run.item(item);
      madeProjects = run.madeProjects;
      const done = locked.done + items.length;
      const finished = done >= locked.total;
      const dropped = { dropped: 0 };
      await trx(JOBS)
        .where({ id })
        .update({
          done,
          created: locked.created + run.created,
          skipped: locked.skipped + run.skipped,
          unmapped: JSON.stringify(appendUnmapped(locked.unmapped, run.unmapped, dropped)),
          status: finished ? "done" : "running",
          claimed_until: trx.raw("now() + make_interval(secs => ?)", [LEASE_SECONDS]),
          updated_at: this.writer.clock.now(),
        });
      if (finished) await trx(ITEMS).where({ import_id: id }).delete();
      return !finished;
    }, job.owner_id);
    // The importer's abilities now hold new projects: gateways re-read them at once, not a second later.
    if (madeProjects) this.options.membershipsChanged?.(job.owner_id);
    return more;
  }

  /** A batch that threw: counted; past MAX_ATTEMPTS the job fails with the reason, else its lease expires and it is tried again. */
  private async failedAttempt(id: string, err: unknown): Promise<void> {
    const [row] = await this.db(JOBS).where({ id, status: "running" }).increment("attempts", 1).returning("attempts");
    if (!row || row.attempts < MAX_ATTEMPTS) return;
    await this.db(JOBS)
      .where({ id, status: "running" })
      .update({ status: "failed", reason: `stopped after ${MAX_ATTEMPTS} failed attempts: ${err instanceof Error ? err.message : String(err)}`, updated_at: this.writer.clock.now() });
    await this.db(ITEMS).where({ import_id: id }).delete();
  }

  /** @internal for BatchRun */
  get parts() {
    return { writer: this.writer, store: this.store, projects: this.projects, comments: this.comments };
  }
}

/** One batch's work: items to projects and tasks, through the API's own stores, in the batch's transaction. */
class BatchRun {
  created = 0;
  skipped = 0;
  madeProjects = false;
  unmapped: string[] = [];
  private auth: AuthMeta | null = null;
  private readonly targets = new Map<string, string | null>();

  constructor(
    private readonly trx: Trx,
    private readonly jobs: ImportJobs,
    private readonly job: JobRow,
  ) {}

  /** The importer as they are now: their roles as the job began, their memberships as they are (projects made earlier count). */
  private async authNow(): Promise<AuthMeta> {
    if (this.auth) return this.auth;
    const memberships = (await this.trx(MEMBERS).where({ user_id: this.job.owner_id }).select("project_id", "role")).map((r: { project_id: string; role: "owner" | "editor" | "viewer" }) => ({
      projectId: r.project_id,
      role: r.role,
    }));
    this.auth = authMetaFor(this.job.principal, memberships);
    return this.auth;
  }

  /** What a source item became in an earlier batch or import (undefined: nothing yet). */
  private async target(ref: string): Promise<string | null | undefined> {
    if (this.targets.has(ref)) return this.targets.get(ref);
    const row: { target_id: string | null } | undefined = await this.trx(KEYS).where({ owner_id: this.job.owner_id, source: this.job.source, external_id: ref }).first();
    if (row) this.targets.set(ref, row.target_id);
    return row?.target_id;
  }

  private async remember(ref: string, kind: "task" | "project", targetId: string): Promise<void> {
    this.targets.set(ref, targetId);
    await this.trx(KEYS).insert({ owner_id: this.job.owner_id, source: this.job.source, external_id: ref, kind, target_id: targetId });
  }

  /** Runs `work` under a savepoint: a failing item is reported and rolled back alone. */
  private async alone<T>(work: () => Promise<T>): Promise<{ ok: T } | { error: unknown }> {
    await this.trx.raw("savepoint import_item");
    try {
      const ok = await work();
      await this.trx.raw("release savepoint import_item");
      return { ok };
    } catch (error) {
      await this.trx.raw("rollback to savepoint import_item");
      return { error };
    }
  }

  async item(item: ImportItem): Promise<void> {
    if ((await this.target(item.ref)) !== undefined) {
      this.skipped++;
      return;
    }
    if (item.kind === "project") return this.project(item.ref, item.name);
    return this.task(item);
  }

  private async project(ref: string, name: string): Promise<void> {
    const { projects } = this.jobs.parts;
    const auth = await this.authNow();
    const result = await this.alone(() => projects.insert(this.trx, auth, { name: name.trim().slice(0, 200) || "Imported project" }));
    if ("error" in result) {
      const why = result.error instanceof RateLimitedError ? "the limit of projects per user is reached" : reason(result.error);
      this.unmapped.push(`project ${quote(name)}: ${why}; its tasks are imported without a project`);
      this.targets.set(ref, null);
      return;
    }
    await this.remember(ref, "project", result.ok.id);
    this.created++;
    this.madeProjects = true;
    this.auth = null;
  }

  private async task(item: ImportTask): Promise<void> {
    const { store } = this.jobs.parts;
    const auth = await this.authNow();
    const projectId = item.projectRef ? ((await this.target(item.projectRef)) ?? null) : null;
    let parentId = item.parentRef ? ((await this.target(item.parentRef)) ?? null) : null;
    if (item.parentRef && !parentId) this.unmapped.push(`parent of task ${quote(item.title)}: it was not imported; imported as a top-level task`);
    if (parentId && (await this.depth(parentId)) >= MAX_DEPTH) {
      this.unmapped.push(`task ${quote(item.title)}: subtasks nest at most ${MAX_DEPTH} levels deep; imported as a top-level task`);
      parentId = null;
    }
    const { input, notes } = inputOf(item, projectId, parentId, auth, this.jobs.parts.writer.clock.now());
    this.unmapped.push(...notes);
    const { comments } = this.jobs.parts;
    const attempt = (fields: Record<string, unknown>) =>
      this.alone(async () => {
        const parsed = createTaskInput.parse(fields);
        const created = await store.insert(this.trx, auth, parsed, store.prepare(auth, parsed));
        for (const text of item.comments ?? []) await comments.insert(this.trx, auth, created.id, text, []);
        return created;
      });
    let result = await attempt(input);
    if ("error" in result && (input.recurrence || (input.reminders as unknown[]).length)) {
      // What a rule or reminder of ours cannot hold should not cost the task: kept without them.
      this.unmapped.push(`recurrence or reminders of task ${quote(item.title)}: ${reason(result.error)}; imported without them`);
      result = await attempt({ ...input, recurrence: null, reminders: [] });
    }
    if ("error" in result) {
      this.unmapped.push(`task ${quote(item.title)}: ${reason(result.error)}; not imported`);
      return;
    }
    await this.remember(item.ref, "task", result.ok.id);
    this.created++;
  }

  private async depth(taskId: string): Promise<number> {
    const { rows } = await this.trx.raw(
      `with recursive up(id, parent_id, n) as (select id, parent_id, 1 from ${TASKS_SCHEMA}.tasks where id = ?
         union all select t.id, t.parent_id, up.n + 1 from ${TASKS_SCHEMA}.tasks t join up on t.id = up.parent_id where up.n <= ?)
       select max(n) as depth from up`,
      [taskId, MAX_DEPTH + 1],
    );
    return Number(rows[0]?.depth ?? 0);
  }
}

function reason(err: unknown): string {
  if (err instanceof ValidationError) {
    const fields = ((err as AppError).data as { errors?: { path: string; message: string }[] })?.errors ?? [];
    return fields.length ? fields.map((f) => `${f.path.replace(/^body\./, "")} ${f.message}`).join("; ") : err.message;
  }
  if (err && typeof err === "object" && "issues" in err) {
    return (err as { issues: { path: PropertyKey[]; message: string }[] }).issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ");
  }
  return err instanceof Error ? err.message : String(err);
}

/** An item as the API's create input; `notes` are what did not map. */
export function inputOf(item: ImportTask, projectId: string | null, parentId: string | null, auth: AuthMeta, now: Date): { input: Record<string, unknown>; notes: string[] } {
  const notes: string[] = [];
  let dueAt: string | null = null;
  let recurrence: Record<string, unknown> | null = item.recurrence ? { ...item.recurrence } : null;
  if (item.due && "at" in item.due) dueAt = item.due.at;
  else if (item.due) {
    const zone = (item.due.timezone && normaliseTimeZone(item.due.timezone)) || auth.timezone || "UTC";
    const read = parseQuickAdd(item.due.text.slice(0, 500), { locale: item.due.locale, timezone: zone, now });
    dueAt = read.fields.dueAt ?? null;
    if (read.fields.recurrence) {
      const { rrule, timezone, from, exdates } = read.fields.recurrence;
      recurrence = { rrule, timezone, from, exdates };
    }
    const left = read.fields.title.trim();
    if (!dueAt) notes.push(`date ${quote(item.due.text)} of task ${quote(item.title)}: not understood; imported without a due date`);
    else if (left) notes.push(`date ${quote(item.due.text)} of task ${quote(item.title)}: ${quote(left)} not understood; the rest was`);
  }
  if (recurrence && !dueAt) {
    notes.push(`recurrence of task ${quote(item.title)}: a repeating task needs a due date; imported without repeating`);
    recurrence = null;
  }
  let reminders = item.reminders;
  if (!dueAt && reminders.some((r) => "offset" in r)) {
    notes.push(`reminders of task ${quote(item.title)} relative to a due date it does not have: not imported`);
    reminders = reminders.filter((r) => !("offset" in r));
  }
  if (reminders.length > 20) {
    notes.push(`reminders of task ${quote(item.title)}: only the first 20 are imported`);
    reminders = reminders.slice(0, 20);
  }
  const tags = [...new Set(item.tags.map((t) => t.trim().toLowerCase()).filter((t) => t.length >= 1 && t.length <= 50))].slice(0, 50);
  if (tags.length < new Set(item.tags).size) notes.push(`tags of task ${quote(item.title)}: tags longer than 50 characters, or past 50 of them, are not imported`);
  let description = item.description;
  if (description.length > 20_000) {
    notes.push(`description of task ${quote(item.title)}: cut to 20000 characters`);
    description = description.slice(0, 20_000);
  }
  return {
    input: {
      title: item.title.slice(0, 500),
      description,
      priority: item.priority,
      status: item.done ? "done" : "todo",
      dueAt,
      tags,
      recurrence,
      reminders,
      projectId: parentId ? null : projectId,
      parentId,
    },
    notes,
  };
}

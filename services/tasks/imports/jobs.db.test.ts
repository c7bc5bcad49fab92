import { PayloadTooLargeError, RateLimitedError, ValidationError, NotFoundError } from "../../../libs/errors";
import { ALICE, BOB, useTasksDb } from "../../../test/support/tasks-db";
import { TASKS_SCHEMA } from "../migrations";
import { PROJECTS } from "../project-store";
import { TASKS } from "../task-row";
import { DEFAULT_PARSE_LIMITS } from "./items";
import { CursorCodec } from "../../../libs/task-query";
import { COMMENTS, CommentStore } from "../comments";
import { ImportJobs, ImportSettings, MAX_ATTEMPTS } from "./jobs";
import { eraseAccount } from "../account-erasure";

const fx = useTasksDb();
const JOBS = `${TASKS_SCHEMA}.imports`;
const settings: ImportSettings = { maxBytes: 10_000, maxConcurrent: 1, batchSize: 2, limits: DEFAULT_PARSE_LIMITS, background: false };
const comments = () => new CommentStore(fx.writer, new CursorCodec("imports-test-cursor-secret-0123456789", fx.clock));
const jobs = (over: Partial<ImportSettings> = {}) => new ImportJobs(fx.writer, fx.tasks, fx.projects, comments(), { ...settings, ...over });
beforeEach(async () => {
  await fx.truncate();
  await fx.db(JOBS).delete();
  await fx.db(`${TASKS_SCHEMA}.import_keys`).delete();
});

const CSV = ["TYPE,CONTENT,DESCRIPTION,PRIORITY,INDENT", "task,Parent @x,,1,1", "task,Child,,2,2", "task,Other,,3,1", "note,a note,,,"].join("\n");

/** Uploads `text` as the gateway does (begin, chunks, start); the job is queued, not yet worked. */
async function upload(j: ImportJobs, who: string, text: string, format: "todoist-csv" | "ics" = "todoist-csv") {
  const auth = await fx.as(who);
  const { id } = await j.begin(auth, format, "List.csv", Buffer.byteLength(text));
  const bytes = Buffer.from(text);
  for (let seq = 0; seq * 16 < bytes.length; seq++) await j.chunk(auth, id, seq, bytes.subarray(seq * 16, (seq + 1) * 16).toString("base64"));
  return { id, job: await j.start(auth, id) };
}

test("a job parses at start, works through its items in batches, and a second import of the same file creates nothing", async () => {
  const j = jobs();
  const { id, job } = await upload(j, ALICE, CSV);
  expect(job).toMatchObject({ status: "running", progress: { done: 0, total: 4 }, report: { created: 0, unmapped: [] } });
  expect(await j.step()).toBe(true);
  expect(await j.get(await fx.as(ALICE), id)).toMatchObject({ status: "done", progress: { done: 4, total: 4 }, report: { created: 4, skipped: 0 } });
  const tasks = await fx.db(TASKS).where({ owner_id: ALICE }).orderBy("title");
  expect(tasks.map((t) => t.title)).toEqual(["Child", "Other", "Parent"]);
  expect(tasks[0].parent_id).toBe(tasks[2].id);
  // The note is a comment on the task above it.
  expect(await fx.db(COMMENTS).where({ task_id: tasks[1].id }).select("text", "author_id")).toEqual([{ text: "a note", author_id: ALICE }]);
  // The task went through the API's path: its event is in the outbox, its history written.
  expect(await fx.db(`${TASKS_SCHEMA}.outbox`).where({ channel: "task.created" })).toHaveLength(3);

  const again = await upload(j, ALICE, CSV);
  await j.step();
  expect(await j.get(await fx.as(ALICE), again.id)).toMatchObject({ status: "done", report: { created: 0, skipped: 4 } });
  expect(await fx.db(TASKS).where({ owner_id: ALICE })).toHaveLength(3);
  // Bob's import of the same file is his own.
  const bobs = await upload(j, BOB, CSV);
  await j.step();
  expect(await j.get(await fx.as(BOB), bobs.id)).toMatchObject({ report: { created: 4, skipped: 0 } });
  await expect(j.get(await fx.as(ALICE), bobs.id)).rejects.toThrow(NotFoundError);
});

test("a worker that dies mid-import leaves a lease; once it expires another takes the job up where the last batch ended, creating nothing twice", async () => {
  const first = jobs();
  const { id } = await upload(first, ALICE, CSV);
  expect(await first.step(1)).toBe(true);
  expect(await first.get(await fx.as(ALICE), id)).toMatchObject({ status: "running", progress: { done: 2, total: 4 } });
  // The first worker is gone; its lease still holds the job.
  const second = jobs();
  expect(await second.step()).toBe(false);
  await fx.db(JOBS).where({ id }).update({ claimed_until: fx.db.raw("now() - interval '1 second'") });
  expect(await second.step()).toBe(true);
  expect(await second.get(await fx.as(ALICE), id)).toMatchObject({ status: "done", progress: { done: 4, total: 4 }, report: { created: 4 } });
  expect(await fx.db(TASKS).where({ owner_id: ALICE })).toHaveLength(3);
  expect(await fx.db(PROJECTS).where({ owner_id: ALICE })).toHaveLength(1);
});

test("a file that cannot be read is refused at start with nothing created and no job left; sizes and concurrency are capped", async () => {
  const j = jobs({ maxConcurrent: 1 });
  const auth = await fx.as(ALICE);
  await expect(upload(j, ALICE, "BEGIN:VCALENDAR\r\nBEGIN:VTODO\r\n", "ics")).rejects.toThrow(ValidationError);
  expect(await fx.db(JOBS)).toEqual([]);
  expect(await fx.db(TASKS)).toEqual([]);

  await expect(j.begin(auth, "ics", "x.ics", 10_001)).rejects.toThrow(PayloadTooLargeError);
  const { id } = await j.begin(auth, "ics", "x.ics", 100);
  await expect(j.chunk(auth, id, 0, Buffer.alloc(10_001).toString("base64"))).rejects.toThrow(PayloadTooLargeError);
  // One import at a time per user here: the second waits (429); another user's does not.
  await expect(j.begin(auth, "ics", "y.ics", 100)).rejects.toThrow(RateLimitedError);
  await expect(j.begin(await fx.as(BOB), "ics", "y.ics", 100)).resolves.toEqual({ id: expect.any(String) });
  await expect(j.chunk(await fx.as(BOB), id, 0, "AAAA")).rejects.toThrow(NotFoundError);
});

test("past the projects-per-user limit a file's projects are not created and their tasks land without one, reported", async () => {
  const j = jobs({ maxConcurrent: 5 });
  for (let i = 0; i < 1000; i += 500) {
    await fx.db(PROJECTS).insert(Array.from({ length: 500 }, (_, k) => ({ id: crypto.randomUUID(), name: `p${i + k}`, owner_id: ALICE, created_at: new Date(), updated_at: new Date() })));
  }
  const { id } = await upload(j, ALICE, CSV);
  await j.step();
  const job = await j.get(await fx.as(ALICE), id);
  expect(job).toMatchObject({ status: "done", report: { created: 3 } });
  expect(job.report.unmapped).toEqual(expect.arrayContaining([expect.stringMatching(/^project "List": the limit of projects per user is reached/)]));
  expect((await fx.db(TASKS).where({ owner_id: ALICE })).map((t) => t.project_id)).toEqual([null, null, null]);
});

test("a batch that keeps failing fails its job with the reason, after MAX_ATTEMPTS", async () => {
  const j = jobs({ maxConcurrent: 5 });
  const { id } = await upload(j, ALICE, CSV);
  // An item no parser writes: the batch itself throws (not one item), as when the database goes away.
  await fx.db(`${TASKS_SCHEMA}.import_items`).where({ import_id: id, idx: 0 }).update({ item: JSON.stringify(null) });
  for (let i = 0; i < MAX_ATTEMPTS; i++) {
    await expect(j.step()).rejects.toThrow();
    await fx.db(JOBS).where({ id }).update({ claimed_until: null });
  }
  expect(await j.get(await fx.as(ALICE), id)).toMatchObject({ status: "failed", reason: expect.stringMatching(/^stopped after 5 failed attempts/) });
  expect(await j.step()).toBe(false);
});

test("uploads abandoned for an hour and jobs finished 30 days ago are purged; account erasure takes the user's imports and keys", async () => {
  const j = jobs({ maxConcurrent: 5 });
  const { id: done } = await upload(j, ALICE, CSV);
  await j.step();
  const { id: abandoned } = await j.begin(await fx.as(ALICE), "ics", "x.ics", 10);
  expect(await j.purge()).toBe(0);
  fx.clock.set(new Date(fx.clock.now().getTime() + 2 * 3600_000));
  expect(await j.purge()).toBe(1);
  expect((await fx.db(JOBS).select("id")).map((r) => r.id)).toEqual([done]);
  expect(abandoned).not.toBe(done);
  fx.clock.set(new Date(fx.clock.now().getTime() + 31 * 24 * 3600_000));
  expect(await j.purge()).toBe(1);
  expect(await fx.db(`${TASKS_SCHEMA}.import_keys`).where({ owner_id: ALICE })).toHaveLength(4);

  await upload(j, ALICE, CSV);
  await eraseAccount(fx.writer, ALICE);
  expect(await fx.db(JOBS).where({ owner_id: ALICE })).toEqual([]);
  expect(await fx.db(`${TASKS_SCHEMA}.import_keys`).where({ owner_id: ALICE })).toEqual([]);
});

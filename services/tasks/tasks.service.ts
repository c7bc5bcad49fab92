import type { ServiceSchema } from "moleculer";
import { authOf, healthAction, startRelay } from "../../libs/broker";
import type { Clock } from "../../libs/clock";
import type { Config } from "../../libs/config";
import { DONE } from "../../libs/contracts";
import { broadcast, channelHandlers, serviceActions } from "../../libs/broker/bus";
import { USER_CHANNELS } from "../../libs/contracts";
import { eraseAccount } from "./account-erasure";
import type { Db } from "../../libs/db";
import { migrateSchema } from "../../libs/db/migrate";
import { purgeExpiredKeys } from "../../libs/idempotency";
import type { OutboxRelay } from "../../libs/outbox";
import { migrations, TASKS_SCHEMA } from "./migrations";
import { InvitationStore } from "./invitation-store";
import { ProjectStore } from "./project-store";
import { projectsService } from "./projects.service";
import { TaskWriter } from "./task-writer";
import { TaskLister } from "./task-list";
import { readTaskJson } from "./task-json";
import { TaskRecurrence } from "./task-recurrence";
import { TaskReminders } from "./task-reminders";
import { CursorCodec } from "../../libs/task-query";
import { completionsOf, SyncFeed } from "./sync";
import { TaskStore } from "./task-store";
import { parseQuickAdd } from "./quick-add";
import { resolveProject } from "./quick-add/names";
import { normaliseTimeZone } from "../../libs/time";
import { HistoryReader } from "./history";
import { readRouting } from "../../libs/db/read-routing";
import { CommentStore } from "./comments";
import { exportComments } from "./comment-export";
import { ImportJobs } from "./imports/jobs";
import { DEFAULT_PARSE_LIMITS } from "./imports/items";

export interface TasksServiceDeps {
  db: Db;
  config: Config;
  clock: Clock;
}

/** The tasks process runs two services over one schema and one outbox: tasks, and projects. */
export function tasksServices({ db, config, clock }: TasksServiceDeps): ServiceSchema[] {
  let relay: OutboxRelay | undefined;
  let purgeTimer: NodeJS.Timeout | undefined;
  let importTimer: NodeJS.Timeout | undefined;
  const writer = new TaskWriter(db, clock, () => relay?.kick());
  const store = new TaskStore(writer);
  const recurrence = new TaskRecurrence(writer);
  const reminders = new TaskReminders(writer);
  const cursors = new CursorCodec(config.cursorSecret, clock);
  const projects = new ProjectStore(writer, cursors, config.limits);
  const invitations = new InvitationStore(writer, config.limits);
  // Reads that may go to a standby (DATABASE_READ_URL); writes and everything else stay on db.
  const reads = readRouting(db);
  const lister = reads.per((on) => new TaskLister(on, cursors, clock));
  const history = reads.per((on) => new HistoryReader(on, cursors));
  const occurrences = reads.per((on) => new TaskRecurrence(new TaskWriter(on, clock, () => undefined)));
  const comments = new CommentStore(writer, cursors);
  const sync = new SyncFeed(db, config.cursorSecret, clock);
  let log: (message: string, err: unknown) => void = () => {};
  let membershipsChanged: (userId: string) => void = () => {};
  const imports = new ImportJobs(
    writer,
    store,
    projects,
    comments,
    {
      maxBytes: config.imports.maxBytes,
      maxConcurrent: config.imports.maxConcurrent,
      // Small enough that, in embedded mode's one database session, a request waits at most a batch.
      batchSize: 25,
      // A zip may inflate to four times the upload cap, never more.
      limits: { ...DEFAULT_PARSE_LIMITS, maxInflatedBytes: 4 * config.imports.maxBytes },
    },
    { log: (message, err) => log(message, err), membershipsChanged: (userId) => membershipsChanged(userId) },
  );

  const tasks: ServiceSchema = {
    name: "tasks",
    channels: channelHandlers("tasks", {
      [USER_CHANNELS.deleted]: (event) => eraseAccount(writer, event.userId),
    }),
    actions: serviceActions("tasks", {
      create: (p, ctx) => store.create(authOf(ctx), p.input, p.idempotencyKey, { id: p.id, davProperties: p.davProperties }),
      get: (p, ctx) => store.get(authOf(ctx), p.id),
      getJson: (p, ctx) => readTaskJson(db, authOf(ctx), p.id),
      sync: (p, ctx) => sync.page(authOf(ctx), p.since, p.limit),
      completionsOf: async (p, ctx) => ({ items: await completionsOf(db, authOf(ctx), p.taskIds) }),
      update: (p, ctx) => store.update(authOf(ctx), p.id, p.patch, p.expectedVersion, p.davProperties),
      remove: async (p, ctx) => {
        await store.remove(authOf(ctx), p.id, p.expectedVersion, p.children);
        return DONE;
      },
      complete: (p, ctx) => recurrence.complete(authOf(ctx), p.id, p.occurrenceAt, p.children),
      completions: async (p, ctx) => ({ items: await recurrence.completions(authOf(ctx), p.id) }),
      occurrences: async (p, ctx) => ({ items: await occurrences.run((r) => r.occurrences(authOf(ctx), p.id, p.limit)) }),
      addReminder: (p, ctx) => reminders.add(authOf(ctx), p.id, p.input, p.idempotencyKey),
      removeReminder: async (p, ctx) => {
        await reminders.remove(authOf(ctx), p.id, p.reminderId);
        return DONE;
      },
      export: async (p) => ({
        items: await lister.run((l) => l.exportPage(p.afterId, p.limit)),
        total: p.withTotal ? await lister.primary.estimatedCount() : undefined,
      }),
      commentsForReindex: async (p) => ({ items: await comments.exportPage(p.afterId, p.limit) }),
      list: (p, ctx) => lister.run((l) => l.list(authOf(ctx), p)),
      history: (p, ctx) => history.run((h) => h.forTask(authOf(ctx), p.id, p.limit, p.cursor)),
      projectHistory: (p, ctx) => history.run((h) => h.forProject(authOf(ctx), p.id, p.limit, p.cursor)),
      comments: (p, ctx) => comments.list(authOf(ctx), p.id, p.limit, p.cursor),
      addComment: (p, ctx) => comments.add(authOf(ctx), p.id, p.text, p.mentions, p.idempotencyKey),
      editComment: (p, ctx) => comments.edit(authOf(ctx), p.id, p.text, p.mentions, p.expectedVersion),
      removeComment: async (p, ctx) => {
        await comments.remove(authOf(ctx), p.id);
        return DONE;
      },
      commentTask: async (p, ctx) => ({ taskId: await comments.taskOf(authOf(ctx), p.id) }),
      listJson: async (p, ctx) => ({ json: await lister.run((l) => l.listJson(authOf(ctx), p)) }),
      importBegin: (p, ctx) => imports.begin(authOf(ctx), p.format, p.filename, p.size),
      importChunk: async (p, ctx) => {
        await imports.chunk(authOf(ctx), p.id, p.seq, p.data);
        return DONE;
      },
      importStart: (p, ctx) => imports.start(authOf(ctx), p.id),
      importGet: (p, ctx) => imports.get(authOf(ctx), p.id),
      exportComments: (p, ctx) => exportComments(db, authOf(ctx), p.after, p.limit),
      health: healthAction(db),
      parse: (p, ctx) => {
        const auth = authOf(ctx);
        const timezone = normaliseTimeZone(auth.timezone ?? "UTC") ?? "UTC";
        return resolveProject(db, auth, parseQuickAdd(p.text, { locale: p.locale, timezone, now: clock.now() }), p.projectId);
      },
    }),
    async started() {
      await migrateSchema(db, TASKS_SCHEMA, migrations);
      relay = startRelay(this, db, TASKS_SCHEMA, config, clock);
      log = (message, err) => this.logger.warn(message, err);
      membershipsChanged = (userId) => void broadcast(this.broker, "gateway.callersChanged", { userIds: [userId] }, "gateway");
      // Imports left by a replica that died are taken up once their lease expires.
      imports.kick();
      importTimer = setInterval(() => imports.kick(), 5_000).unref();
      purgeTimer = setInterval(() => {
        purgeExpiredKeys(db, TASKS_SCHEMA, clock).catch((err) => this.logger.warn("idempotency purge failed", err));
        const retention = new Date(clock.now().getTime() - config.historyRetentionDays * 24 * 3600_000);
        history.primary.purge(retention).catch((err) => this.logger.warn("history purge failed", err));
        sync.prune().catch((err) => this.logger.warn("sync tombstone purge failed", err));
        imports.purge().catch((err) => this.logger.warn("import purge failed", err));
      }, 60 * 60 * 1000).unref();
    },
    async stopped() {
      clearInterval(purgeTimer);
      clearInterval(importTimer);
      await imports.stop();
      await relay?.stop();
    },
  };
  return [tasks, projectsService(projects, invitations)];
}

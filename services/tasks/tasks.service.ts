import type { Context, ServiceSchema } from "moleculer";
import { authOf, healthAction, startRelay } from "../../libs/broker";
import type { Clock } from "../../libs/clock";
import type { Config } from "../../libs/config";
import type { CreateTaskInput, ListTasksQuery, ReminderInput, UpdateTaskInput } from "../../libs/contracts";
import type { Db } from "../../libs/db";
import { migrateSchema } from "../../libs/db/migrate";
import { purgeExpiredKeys } from "../../libs/idempotency";
import type { OutboxRelay } from "../../libs/outbox";
import { migrations, TASKS_SCHEMA } from "./migrations";
import { ProjectStore } from "./project-store";
import { projectsService } from "./projects.service";
import { TaskWriter } from "./task-writer";
import { TaskLister } from "./task-list";
import { TaskRecurrence } from "./task-recurrence";
import { TaskReminders } from "./task-reminders";
import { CursorCodec } from "../../libs/task-query";
import { TaskStore } from "./task-store";

export interface TasksServiceDeps {
  db: Db;
  config: Config;
  clock: Clock;
}

type ById = { id: string };

/** The tasks process runs two services over one schema and one outbox: tasks, and projects. */
export function tasksServices({ db, config, clock }: TasksServiceDeps): ServiceSchema[] {
  let relay: OutboxRelay | undefined;
  let purgeTimer: NodeJS.Timeout | undefined;
  const writer = new TaskWriter(db, clock, () => relay?.kick());
  const store = new TaskStore(writer);
  const recurrence = new TaskRecurrence(writer);
  const reminders = new TaskReminders(writer);
  const projects = new ProjectStore(writer);
  const lister = new TaskLister(db, new CursorCodec(config.cursorSecret, clock), clock);

  const tasks: ServiceSchema = {
    name: "tasks",
    actions: {
      create: (ctx: Context<{ input: CreateTaskInput; idempotencyKey?: string }>) =>
        store.create(authOf(ctx), ctx.params.input, ctx.params.idempotencyKey),
      get: (ctx: Context<ById>) => store.get(authOf(ctx), ctx.params.id),
      update: (ctx: Context<ById & { patch: UpdateTaskInput; expectedVersion?: number }>) =>
        store.update(authOf(ctx), ctx.params.id, ctx.params.patch, ctx.params.expectedVersion),
      remove: async (ctx: Context<ById & { expectedVersion?: number }>) => {
        await store.remove(authOf(ctx), ctx.params.id, ctx.params.expectedVersion);
        return { deleted: true };
      },
      complete: (ctx: Context<ById & { occurrenceAt?: string }>) => recurrence.complete(authOf(ctx), ctx.params.id, ctx.params.occurrenceAt),
      completions: async (ctx: Context<ById>) => ({ items: await recurrence.completions(authOf(ctx), ctx.params.id) }),
      occurrences: async (ctx: Context<ById & { limit: number }>) => ({
        items: await recurrence.occurrences(authOf(ctx), ctx.params.id, ctx.params.limit),
      }),
      addReminder: (ctx: Context<ById & { input: ReminderInput; idempotencyKey?: string }>) =>
        reminders.add(authOf(ctx), ctx.params.id, ctx.params.input, ctx.params.idempotencyKey),
      removeReminder: async (ctx: Context<ById & { reminderId: string }>) => {
        await reminders.remove(authOf(ctx), ctx.params.id, ctx.params.reminderId);
        return { deleted: true };
      },
      /** Internal: pages every task by id for `npm run reindex`; the gateway never routes to it. */
      export: {
        visibility: "public",
        handler: async (ctx: Context<{ afterId?: string; limit: number; withTotal?: boolean }>) => ({
          items: await lister.exportPage(ctx.params.afterId, Math.min(Math.max(ctx.params.limit, 1), 5_000)),
          total: ctx.params.withTotal ? await lister.estimatedCount() : undefined,
        }),
      },
      list: (ctx: Context<ListTasksQuery>) => lister.list(authOf(ctx), ctx.params),
      health: healthAction(db),
    },
    async started() {
      await migrateSchema(db, TASKS_SCHEMA, migrations);
      relay = startRelay(this, db, TASKS_SCHEMA, config, clock);
      purgeTimer = setInterval(() => {
        purgeExpiredKeys(db, TASKS_SCHEMA, clock).catch((err) => this.logger.warn("idempotency purge failed", err));
      }, 60 * 60 * 1000).unref();
    },
    async stopped() {
      clearInterval(purgeTimer);
      await relay?.stop();
    },
  };
  return [tasks, projectsService(projects)];
}

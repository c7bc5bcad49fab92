import type { Context, ServiceSchema } from "moleculer";
import { authOf, durablePublisher } from "../../libs/broker";
import type { Clock } from "../../libs/clock";
import type { Config } from "../../libs/config";
import type { CreateTaskInput, ListTasksQuery, UpdateTaskInput } from "../../libs/contracts";
import { Db, ping } from "../../libs/db";
import { migrateSchema } from "../../libs/db/migrate";
import { purgeExpiredKeys } from "../../libs/idempotency";
import { OutboxRelay } from "../../libs/outbox";
import { migrations, TASKS_SCHEMA } from "./migrations";
import { CursorCodec } from "../../libs/task-query";
import { TaskLister } from "./task-list";
import { TaskStore } from "./task-store";

export interface TasksServiceDeps {
  db: Db;
  config: Config;
  clock: Clock;
}

type ById = { id: string };

export function tasksService({ db, config, clock }: TasksServiceDeps): ServiceSchema {
  let relay: OutboxRelay | undefined;
  let purgeTimer: NodeJS.Timeout | undefined;
  const store = new TaskStore(db, clock, () => relay?.kick());
  const lister = new TaskLister(db, new CursorCodec(config.cursorSecret, clock), clock);

  return {
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
      complete: (ctx: Context<ById>) => store.complete(authOf(ctx), ctx.params.id),
      completions: async (ctx: Context<ById>) => ({ items: await store.completions(authOf(ctx), ctx.params.id) }),
      list: (ctx: Context<ListTasksQuery>) => lister.list(authOf(ctx), ctx.params),
      /** Internal: pages every task by id for `npm run reindex`; the gateway never routes to it. */
      export: {
        visibility: "public",
        handler: async (ctx: Context<{ afterId?: string; limit: number; withTotal?: boolean }>) => ({
          items: await lister.exportPage(ctx.params.afterId, Math.min(Math.max(ctx.params.limit, 1), 5_000)),
          total: ctx.params.withTotal ? await lister.estimatedCount() : undefined,
        }),
      },
      health: async () => {
        await ping(db);
        return { ok: true };
      },
    },
    async started() {
      await migrateSchema(db, TASKS_SCHEMA, migrations);
      relay = new OutboxRelay(db, TASKS_SCHEMA, durablePublisher(this.broker, config), clock, (err) =>
        this.logger.warn("outbox relay: publish failed, will retry", err),
      );
      relay.start();
      purgeTimer = setInterval(() => {
        purgeExpiredKeys(db, TASKS_SCHEMA, clock).catch((err) => this.logger.warn("idempotency purge failed", err));
      }, 60 * 60 * 1000).unref();
    },
    async stopped() {
      clearInterval(purgeTimer);
      await relay?.stop();
    },
  };
}

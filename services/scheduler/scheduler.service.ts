import type { ServiceSchema } from "moleculer";
import { healthAction, startRelay } from "../../libs/broker";
import type { Clock } from "../../libs/clock";
import type { Config } from "../../libs/config";
import type { TaskEvent } from "../../libs/contracts";
import { serviceActions, taskChannelHandlers } from "../../libs/broker/bus";
import type { Db } from "../../libs/db";
import { DeadLetters, migrateDeadLetters } from "../../libs/dead-letters";
import { migrateSchema } from "../../libs/db/migrate";
import type { OutboxRelay } from "../../libs/outbox";
import type { WakeableLoop } from "../../libs/loop";
import { fireLoop } from "./fire-loop";
import { migrations, SCHEDULER_SCHEMA } from "./migrations";
import { ReminderScheduler } from "./reminder-scheduler";

export interface SchedulerServiceDeps {
  db: Db;
  config: Config;
  clock: Clock;
}

export function schedulerService({ db, config, clock }: SchedulerServiceDeps): ServiceSchema {
  const scheduler = new ReminderScheduler(db, clock);
  const deadLetters = new DeadLetters(db, SCHEDULER_SCHEMA, clock);
  let relay: OutboxRelay | undefined;
  let loop: WakeableLoop | undefined;

  const onTaskEvent = async (event: TaskEvent) => {
    const earliest = await scheduler.applyTaskEvent(event);
    if (earliest) loop?.poke();
  };

  return {
    name: "scheduler",
    channels: taskChannelHandlers("scheduler", onTaskEvent, deadLetters),
    actions: serviceActions("scheduler", {
      snooze: async (p) => {
        const armed = await scheduler.snooze(p.key, p.minutes);
        loop?.poke();
        return { key: armed.key, fireAt: armed.fireAt.toISOString() };
      },
      health: healthAction(db),
    }),
    async started() {
      await migrateSchema(db, SCHEDULER_SCHEMA, migrations);
      await migrateDeadLetters(db, SCHEDULER_SCHEMA);
      relay = startRelay(this, db, SCHEDULER_SCHEMA, config, clock);
      loop = fireLoop(
        scheduler,
        clock,
        () => relay?.kick(),
        (err) => this.logger.warn("reminder firing failed, will retry", err),
      );
      loop.start();
    },
    async stopped() {
      await loop?.stop();
      await relay?.stop();
    },
  };
}

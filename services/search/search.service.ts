import type { ServiceSchema } from "moleculer";
import { authOf } from "../../libs/broker";
import type { Clock } from "../../libs/clock";
import type { Config } from "../../libs/config";
import { COMMENT_CHANNELS, CommentChannel, CommentEvent, TaskEvent } from "../../libs/contracts";
import { channelHandlers, serviceActions, taskChannelHandlers } from "../../libs/broker/bus";
import { DeadLetters, migrateDeadLetters } from "../../libs/dead-letters";
import { SEARCH_SCHEMA } from "./migrations";
import type { Db } from "../../libs/db";
import { ChangeBatcher } from "./batcher";
import type { SearchEngine } from "./engine";
import { createSearchEngine } from "./engine-factory";
import { changeOf, commentChangeOf } from "./task-events";

export interface SearchServiceDeps {
  db: Db;
  config: Config;
  clock: Clock;
  /** Tests hand in an engine; by default MEILI_URL chooses one. */
  engine?: SearchEngine;
}

/** The consumer group: one durable consumer per channel, shared by every search replica. */
export const SEARCH_GROUP = "search";

/**
 * Full-text search over the service's own copy of the tasks, kept current from the task
 * channels. Every change is applied monotonically by version, so redeliveries and late
 * events are harmless; a message is acknowledged once its batch is written.
 */
/**
 * How long a tombstone outlives its delete: far longer than any event can be on its way
 * (JetStream redelivers within minutes; the outbox relay publishes within its lease).
 */
export const TOMBSTONE_TTL_MS = 7 * 24 * 60 * 60 * 1000;

export function searchService({ db, config, clock, engine = createSearchEngine(config, db, clock) }: SearchServiceDeps): ServiceSchema {
  const batcher = new ChangeBatcher((changes) => engine.apply(changes));
  const deadLetters = new DeadLetters(db, SEARCH_SCHEMA, clock);
  let purgeTimer: NodeJS.Timeout | undefined;
  const consume = async (event: TaskEvent) => {
    const change = changeOf(event);
    if (change) await batcher.submit(change);
  };
  const onComment = (channel: CommentChannel) => (event: CommentEvent) => batcher.submit(commentChangeOf(channel, event));

  return {
    name: "search",
    channels: {
      ...taskChannelHandlers(SEARCH_GROUP, consume, deadLetters),
      // Comment text is searchable in its task's document, for the task's readers.
      ...channelHandlers(
        SEARCH_GROUP,
        {
          [COMMENT_CHANNELS.created]: onComment(COMMENT_CHANNELS.created),
          [COMMENT_CHANNELS.updated]: onComment(COMMENT_CHANNELS.updated),
          [COMMENT_CHANNELS.deleted]: onComment(COMMENT_CHANNELS.deleted),
        },
        {},
        deadLetters,
      ),
    },
    actions: serviceActions("search", {
      tasks: (p, ctx) => engine.search(authOf(ctx), p),
      tasksJson: async (p, ctx) => ({ json: JSON.stringify(await engine.search(authOf(ctx), p)) }),
      health: async () => {
        await engine.health();
        return { ok: true, engine: engine.name };
      },
    }),
    async started() {
      await engine.prepare();
      await migrateDeadLetters(db, SEARCH_SCHEMA);
      this.logger.info(`search engine: ${engine.name}`);
      purgeTimer = setInterval(() => {
        engine
          .purgeTombstones(new Date(clock.now().getTime() - TOMBSTONE_TTL_MS))
          .catch((err) => this.logger.warn("tombstone purge failed", err));
      }, 60 * 60 * 1000).unref();
    },
    async stopped() {
      clearInterval(purgeTimer);
      await batcher.drain();
    },
  };
}

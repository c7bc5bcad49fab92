import { AsyncLocalStorage } from "node:async_hooks";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { Extension, PGlite } from "@electric-sql/pglite";
import knexFactory, { Knex } from "knex";
import ClientPgLite from "knex-pglite";
import pg from "pg";
import { withReplannedPool } from "./prepared";
import { writableHostClient } from "./writable-host";
import { clusterStart } from "./prepared-cluster";
import { parseTimestamptz } from "./timestamptz";

// The contrib entry is typed as ESM only; its CommonJS build is what Node loads here.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { pg_trgm } = require("@electric-sql/pglite/contrib/pg_trgm") as { pg_trgm: Extension };
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { btree_gin } = require("@electric-sql/pglite/contrib/btree_gin") as { btree_gin: Extension };

export type Db = Knex;
export type Trx = Knex.Transaction;

// Counts arrive as int8; every count we read fits a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
pg.types.setTypeParser(pg.types.builtins.TIMESTAMPTZ, parseTimestamptz);

export interface DatabaseOptions {
  /** A Postgres URL; without it the database is PGlite (in memory when dataDir is omitted). */
  databaseUrl?: string;
  dataDir?: string;
  poolSize?: number;
}

/**
 * What every Postgres session of ours starts with. Synchronized sequential scans are off: our
 * sequential scans are LIMITed early-stop scans (a search's candidates), and one that joins
 * another scan mid-table must go round the whole table to reach rows stored near its start. At
 * 1M tasks that turned a 1 ms candidate scan into 1–2 s for every search running at the time,
 * in bursts (issue 15's stall; bench/RESULTS.md).
 */
const SESSION = { application_name: "todogenie", options: "-c synchronize_seqscans=off" };

/**
 * Sessions of the second pool (`preparedReplanned` in ./prepared.ts): a prepared statement there
 * is parsed once and planned with each call's values, never with a plan made without them.
 */
const REPLANNED_SESSION = { ...SESSION, options: `${SESSION.options} -c plan_cache_mode=force_custom_plan` };

/**
 * The second pool's size for a main pool of `poolSize`. It opens on first use: only processes that
 * list or search (tasks, search) have one, so such a replica holds up to one and a half times
 * DB_POOL_SIZE connections (the README's connection budget).
 */
export const replannedPoolSize = (poolSize: number): number => Math.ceil(poolSize / 2);

/**
 * PGlite is one session in one process: it zeroes all of shared_buffers at every start (128 MB
 * by default, 0.3 s of an embedded start and as much resident memory), and sizes its shared
 * tables for 100 connections. An embedded database is one user's or one team's: a few MB of hot
 * pages, and the operating system's cache behind them.
 */
const PGLITE_SETTINGS = ["-c", "shared_buffers=32MB", "-c", "max_connections=8"];

/**
 * Opens the process's one database handle. Embedded mode is a single PGlite session, so the
 * pool is exactly one connection and transactions queue instead of interleaving. On Postgres the
 * handle has a second, smaller pool for the reads planned with their values (./prepared.ts).
 */
export function openDatabase(options: DatabaseOptions): Db {
  if (options.databaseUrl) {
    const hosts = hostsOf(options.databaseUrl);
    const poolSize = options.poolSize ?? 10;
    const open = (session: typeof SESSION, max: number) =>
      knexFactory({
        // Several hosts: each new connection goes to the writable one (./writable-host.ts).
        client: hosts.length > 1 ? writableHostClient(hosts, session) : "pg",
        connection: { connectionString: hosts[0], ...session },
        pool: { min: 0, max },
      });
    return withReplannedPool(open(SESSION, poolSize), () => open(REPLANNED_SESSION, replannedPoolSize(poolSize)));
  }
  let dataPath: string | undefined;
  if (options.dataDir) {
    dataPath = path.join(options.dataDir, "pgdata");
    mkdirSync(dataPath, { recursive: true });
  }
  const start = clusterStart(dataPath);
  const pglite = new PGlite(dataPath, {
    extensions: { pg_trgm, btree_gin },
    startParams: [...PGlite.defaultStartParams, ...PGLITE_SETTINGS],
    ...(start.loadDataDir && { loadDataDir: start.loadDataDir }),
  });
  start.attach(pglite);
  // The first acquire waits for PGlite to create its cluster, which on a crowded machine took over
  // knex's default 60 s and failed the start; later waits are queueing in fairSession, not a lost server.
  const db = knexFactory({ client: ClientPgLite, dialect: "postgres", connection: () => ({ pglite }), acquireConnectionTimeout: 600_000 } as Knex.Config);
  fairSession(db.client as SessionClient);
  return db;
}

/** When the work asking for the database began: the arrival of the HTTP request it serves. */
const workStartedAt = new AsyncLocalStorage<number>();
/** Whether this process holds an embedded session, the only reader of `workStartedAt`. */
let fairSessionOpened = false;

/**
 * Runs `fn` (and everything it awaits) as work that began at `startedAt` (performance.now()).
 * Only an embedded session orders its waiters by that. Without one, `fn` just runs: the first
 * `run` of an AsyncLocalStorage puts a hook on every promise the process makes from then on, a
 * cost that a distributed gateway would pay on every request for nothing (issue 14).
 */
export function asWorkStartedAt<T>(startedAt: number, fn: () => T): T {
  return fairSessionOpened ? workStartedAt.run(startedAt, fn) : fn();
}

export interface SessionClient {
  acquireConnection(): Promise<unknown>;
  releaseConnection(connection: unknown): Promise<unknown>;
}

/**
 * The one PGlite session goes to the oldest work first. The pool alone queues statements in
 * arrival order, so a request that needs several statements joins the back of the queue for
 * each and, at 100 concurrent requests, waits behind every newer request again and again: the
 * medians stay small while the tail reaches seconds. Ordered by when the request began, one
 * that has started finishes before newer ones get the session. Work outside a request (relays,
 * timers) counts from when it asks. A transaction holds the session until it ends, as before.
 * Between two holders the event loop turns once, so sockets are read and accepted under load.
 */
function fairSession(client: SessionClient): void {
  fairSessionOpened = true;
  const acquire = client.acquireConnection.bind(client);
  const release = client.releaseConnection.bind(client);
  const waiting: { at: number; seq: number; go: () => void }[] = [];
  let busy = false;
  let seq = 0;
  const handOff = () => {
    const next = waiting.shift();
    // Through the event loop, not a microtask: handed straight on, queued statements run back to
    // back without the loop polling, and libuv accepts one connection per poll (libuv #3696), so
    // under load new connections waited seconds to be accepted while the queue never emptied.
    if (next) setImmediate(next.go);
    else busy = false;
  };
  client.acquireConnection = async () => {
    if (busy) {
      const at = workStartedAt.getStore() ?? performance.now();
      await new Promise<void>((go) => {
        const entry = { at, seq: seq++, go };
        // Sorted insert from the back: most waiters are newer than everyone queued.
        let i = waiting.length;
        while (i > 0 && waiting[i - 1]!.at > at) i--;
        waiting.splice(i, 0, entry);
      });
    }
    busy = true;
    try {
      return await acquire();
    } catch (err) {
      handOff();
      throw err;
    }
  };
  client.releaseConnection = async (connection) => {
    try {
      return await release(connection);
    } finally {
      handOff();
    }
  };
}

export function isEmbedded(db: Db): boolean {
  return (db.client as { pglite?: unknown }).pglite !== undefined;
}

export async function ping(db: Db): Promise<void> {
  await db.raw("select 1");
}

/**
 * The one URL per host of a libpq multi-host URL (`postgres://u:p@db-1:5432,db-2:5432/todogenie`),
 * or the URL alone. node-postgres takes one host; libpq's `target_session_attrs` is dropped, as
 * writableHostClient does its work.
 */
export function hostsOf(url: string): string[] {
  const m = /^(postgres(?:ql)?:\/\/)([^@/]*@)?([^/?#]*)(.*)$/.exec(url);
  if (!m || !m[3]!.includes(",")) return [url];
  const rest = m[4]!.replace(/([?&])target_session_attrs=[^&]*&?/, "$1").replace(/[?&]$/, "");
  return m[3]!.split(",").map((host) => `${m[1]}${m[2] ?? ""}${host}${rest}`);
}

import type { Knex } from "knex";
import pg from "pg";

/** How long the writable host found stays the answer for new connections (a failover moves the primary). */
export const PRIMARY_RECHECK_MS = 1_000;

/** What each session of ours starts with (application name, server options). */
export type SessionSettings = Pick<Knex.PgConnectionConfig, "application_name"> & { options: string };

interface PgClientBase {
  connectionSettings: unknown;
  acquireRawConnection(): Promise<unknown>;
}
// knex's own Postgres client, which knex accepts subclassed as `client`; its typings leave the dialect out.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const KnexPgClient = require("knex/lib/dialects/postgres") as new (config: Knex.Config) => PgClientBase;

/**
 * The first of `hosts` that answers and is not in recovery (libpq's `target_session_attrs=read-write`),
 * each asked on a connection of its own that is closed after.
 */
async function findWritableHost(hosts: string[]): Promise<string> {
  const problems: string[] = [];
  for (const connectionString of hosts) {
    const probe = new pg.Client({ connectionString, connectionTimeoutMillis: 2_000 });
    // A server dying while the probe is idle (a killed primary's FATAL 57P01) is an 'error' event;
    // unheard, it would end the process. The awaited calls below report the same failure.
    probe.on("error", () => undefined);
    try {
      await probe.connect();
      const { rows } = await probe.query<{ r: boolean }>("select pg_is_in_recovery() as r");
      if (!rows[0]!.r) return connectionString;
      problems.push(`${hostOf(connectionString)}: in recovery`);
    } catch (err) {
      problems.push(`${hostOf(connectionString)}: ${(err as Error).message}`);
    } finally {
      await probe.end().catch(() => undefined);
    }
  }
  // SQLSTATE 08001 (unable to establish a connection): a 503 to the caller, a retry to a consumer.
  throw Object.assign(new Error(`no writable Postgres among ${problems.join("; ")}`), { code: "08001" });
}

/**
 * A knex client class for a multi-host URL: each new pooled connection goes to the writable host,
 * found again at most every PRIMARY_RECHECK_MS, and at once after a connection to it failed. So after
 * a standby is promoted and the old primary is gone, the pool's dead connections are dropped and new
 * ones go to the promoted server.
 *
 * Connections already open stay: a server changes role only through a restart, which ends them
 * anyway. (knex's connection-provider `expirationChecker` would have done the choosing, but knex
 * also asks it when it validates a pooled connection, and destroys the connection when it has
 * expired: every query more than a second after the last check reconnected, two backend forks
 * each, which on two cores held reminders up by seconds.)
 */
export function writableHostClient(hosts: string[], session: SessionSettings, now: () => number = () => performance.now()): Knex.Config["client"] {
  let found: { host: Promise<string>; at: number } | undefined;
  const writable = (): Promise<string> => {
    if (!found || now() - found.at > PRIMARY_RECHECK_MS) {
      const entry = { host: findWritableHost(hosts), at: now() };
      // A failed search is not kept: the next connection searches again.
      entry.host.catch(() => found === entry && (found = undefined));
      found = entry;
    }
    return found.host;
  };
  return class WritableHostClient extends KnexPgClient {
    override async acquireRawConnection(): Promise<unknown> {
      const connectionString = await writable();
      // Read at once by knex's connect, before any other connection's turn.
      this.connectionSettings = { connectionString, ...session };
      try {
        return await super.acquireRawConnection();
      } catch (err) {
        found = undefined;
        throw err;
      }
    }
  } as unknown as Knex.Config["client"];
}

const hostOf = (url: string) => url.replace(/^[^@]*@/, "").replace(/\/.*$/, "");

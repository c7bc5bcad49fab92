import { execFileSync } from "node:child_process";
import { appendFileSync, chmodSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Client } from "pg";
import { freePort } from "../support/nats";

/** The server installation the shared Postgres runs from; its binaries run here on other ports and directories. */
export const PG_BIN = process.env.PG_BIN ?? "/usr/lib/postgresql/15/bin";
const DATABASE = "todogenie";

/** Runs a Postgres binary as the `postgres` OS user when we are root (initdb and the server refuse root). */
function pg(bin: string, args: string[], quiet = false): void {
  const cmd = path.join(PG_BIN, bin);
  const asPostgres = process.getuid?.() === 0;
  // A server pg_ctl starts would hold our pipes open (and execFileSync wait for them): no pipes to it.
  execFileSync(asPostgres ? "runuser" : cmd, asPostgres ? ["-u", "postgres", "--", cmd, ...args] : args, { stdio: quiet ? "ignore" : ["ignore", "ignore", "pipe"] });
}

/**
 * A primary and a hot standby of our own: `initdb` on a free port under /tmp, and a standby made
 * from it with `pg_basebackup -R` (streaming replication), started on another port with the same
 * installation's `pg_ctl`. The shared server (127.0.0.1:5432) is not used: it allows no
 * replication connection (its pg_hba.conf has none, and it is not ours to change), and a failover
 * needs a primary we may kill.
 *
 * Replication is synchronous (`synchronous_standby_names = '*'`, commit waits for the standby's
 * flush): a promotion after the primary's loss loses no committed write, which is the guarantee the
 * test asserts (CloudNativePG: `minSyncReplicas: 1`). The standby's own setting is empty, so once
 * promoted, with no standby of its own, its commits do not wait for one.
 */
export class PostgresPair {
  private constructor(
    readonly dir: string,
    readonly primaryPort: number,
    readonly standbyPort: number,
  ) {}

  static async start(): Promise<PostgresPair> {
    const dir = mkdtempSync(path.join(tmpdir(), "todogenie-pgpair-"));
    chmodSync(dir, 0o777);
    if (process.getuid?.() === 0) execFileSync("chown", ["postgres", dir]);
    const [primaryPort, standbyPort] = [await freePort(), await freePort()];
    const pair = new PostgresPair(dir, primaryPort, standbyPort);
    const primary = pair.dataDir("primary");
    pg("initdb", ["-D", primary, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]);
    appendFileSync(primary + "/postgresql.conf", pair.settings(primaryPort));
    pair.ctl("primary", "start");
    const admin = new Client({ connectionString: pair.url(primaryPort, "postgres") });
    await admin.connect();
    await admin.query(`create database ${DATABASE}`);
    await admin.end();
    const standby = pair.dataDir("standby");
    // -R writes primary_conninfo and standby.signal; -X stream copies the WAL written meanwhile.
    pg("pg_basebackup", ["-h", "127.0.0.1", "-p", String(primaryPort), "-U", "postgres", "-D", standby, "-R", "-X", "stream", "-c", "fast", "--no-sync"]);
    appendFileSync(standby + "/postgresql.auto.conf", `port = ${standbyPort}\n`);
    pair.ctl("standby", "start");
    await pair.waitStreaming();
    // Synchronous from now on (before, with no standby yet, a commit would wait for ever).
    await pair.query(primaryPort, "alter system set synchronous_standby_names = '*'");
    await pair.query(primaryPort, "select pg_reload_conf()");
    return pair;
  }

  dataDir(which: "primary" | "standby"): string {
    return path.join(this.dir, which);
  }

  /** Loopback only, its own socket directory, and what a standby and a small machine need. */
  private settings(port: number): string {
    return [
      `port = ${port}`,
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = '${this.dir}'`,
      "wal_level = replica",
      "max_wal_senders = 5",
      "hot_standby = on",
      "max_connections = 200",
      "shared_buffers = 64MB",
      // A test database: a crash of the machine need not be survived, a kill -9 of the server is (WAL stays).
      "fsync = off",
      "full_page_writes = off",
      "",
    ].join("\n");
  }

  private ctl(which: "primary" | "standby", action: "start" | "promote"): void {
    pg("pg_ctl", ["-D", this.dataDir(which), "-l", path.join(this.dir, `${which}.log`), "-w", "-t", "30", action], true);
  }

  url(port: number, database = DATABASE): string {
    return `postgres://postgres@127.0.0.1:${port}/${database}`;
  }

  /** DATABASE_URL: both servers, the writable one is used (libs/db: multi-host URLs). */
  get primaryUrl(): string {
    return `postgres://postgres@127.0.0.1:${this.primaryPort},127.0.0.1:${this.standbyPort}/${DATABASE}`;
  }

  /** DATABASE_READ_URL: the standby. */
  get standbyUrl(): string {
    return this.url(this.standbyPort);
  }

  async waitStreaming(withinMs = 30_000): Promise<void> {
    const deadline = Date.now() + withinMs;
    while (Date.now() < deadline) {
      const n = await this.query(this.primaryPort, "select count(*)::int as n from pg_stat_replication where state = 'streaming'").catch(() => undefined);
      if (n?.[0]?.n) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`the standby never streamed:\n${this.log("standby")}`);
  }

  async query(port: number, sql: string): Promise<Record<string, any>[]> {
    const c = new Client({ connectionString: this.url(port), connectionTimeoutMillis: 2_000 });
    await c.connect();
    try {
      return (await c.query(sql)).rows;
    } finally {
      await c.end();
    }
  }

  /** kill -9 of the primary's postmaster: its backends go with it, nothing is flushed or said goodbye. */
  killPrimary(): void {
    const pid = Number(readFileSync(path.join(this.dataDir("primary"), "postmaster.pid"), "utf8").split("\n")[0]);
    process.kill(pid, "SIGKILL");
  }

  /** `pg_ctl promote`, waiting until the standby accepts writes. */
  promote(): void {
    this.ctl("standby", "promote");
  }

  log(which: "primary" | "standby"): string {
    try {
      return readFileSync(path.join(this.dir, `${which}.log`), "utf8").slice(-3_000);
    } catch {
      return "";
    }
  }

  stop(): void {
    for (const which of ["standby", "primary"] as const) {
      try {
        pg("pg_ctl", ["-D", this.dataDir(which), "-m", "immediate", "-w", "stop"], true);
      } catch {
        // Already gone (the killed primary).
      }
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

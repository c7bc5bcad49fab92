/**
 * The scale test of issue 20: everything twice, on clustered engines, through the loss of each.
 * Three nats-server processes clustered on loopback (streams replicated three times); a Postgres
 * primary and a hot standby of our own (./postgres-pair.ts: initdb, pg_basebackup -R, synchronous
 * streaming), the services with DATABASE_URL naming both servers (the writable one is used) and
 * DATABASE_READ_URL the standby, so lists, searches, history and occurrences read there by the LSN
 * rule; two processes of every service, the two gateways behind a round-robin proxy. With
 * reminders due and writes flowing: kill -9 of one NATS server, then of one replica of each
 * service, then of the primary Postgres, whose standby is promoted (`pg_ctl promote`) after a
 * detection delay. Asserted per fault (./suite.ts): nothing lost or duplicated, failed API answers
 * only within 5 s of the fault, inbox and streams caught up within 5 s of its end.
 *
 * Short (in `npm test`): the replicas all at once for 2 s, the primary down 2 s before the
 * promotion. Full (`FAULT_SUITE=full npm test -- --selectProjects fault --runInBand
 * test/fault/standby.fault.ts`, in `npm run test:fault`): NATS servers 1 and 3 for 20 s each, each
 * service's replica in turn for 10 s, the primary down 3 s before the promotion.
 */
import http from "node:http";
import { DEPLOYMENT } from "../../deploy/services";
import { PostgresPair } from "./postgres-pair";
import { replicaId } from "./stack";
import { Fault, faultSuite } from "./suite";

const FULL = process.env.FAULT_SUITE === "full";
const SERVICE_DOWN_MS = FULL ? 10_000 : 2_000;
const NATS_DOWN_MS = FULL ? 20_000 : 5_000;
/** From the primary's death to the promotion: what an operator (CloudNativePG) takes to decide. */
const FAILOVER_AFTER_MS = FULL ? 3_000 : 2_000;

let pair: PostgresPair | undefined;
/** Scans of the tasks table on the standby while it was one: reads went there. */
let standbyScans = 0;

function natsFault(node: number): Fault {
  return { name: `kill -9 NATS server ${node + 1} of 3 for ${NATS_DOWN_MS / 1000} s`, downMs: NATS_DOWN_MS, inject: (s) => s.killNats(node), restore: (s) => s.restartNats(node) };
}

/** The second process of each service (a gateway's open connections die with it: answered "0"). */
const second = DEPLOYMENT.map(({ name }) => replicaId(name, 1));
const replicaFaults: Fault[] = FULL
  ? second.map((id) => ({ name: `kill -9 ${id}`, downMs: SERVICE_DOWN_MS, allowed: ["0"], inject: (s) => s.killService(id), restore: (s) => s.startService(id) }))
  : [
      {
        name: `kill -9 one replica of every service at once`,
        downMs: SERVICE_DOWN_MS,
        allowed: ["0"],
        inject: async (s) => void (await Promise.all(second.map((id) => s.killService(id)))),
        restore: async (s) => void (await Promise.all(second.map((id) => s.startService(id)))),
      },
    ];

const failover: Fault = {
  name: `kill -9 the Postgres primary, promote the standby ${FAILOVER_AFTER_MS / 1000} s later`,
  downMs: FAILOVER_AFTER_MS,
  inject: async () => {
    const [row] = await pair!.query(pair!.standbyPort, "select coalesce(sum(seq_scan + coalesce(idx_scan, 0)), 0)::int as n from pg_stat_user_tables where schemaname = 'tasks' and relname = 'tasks'");
    standbyScans = row?.n ?? 0;
    pair!.killPrimary();
  },
  restore: async () => pair!.promote(),
};

faultSuite({
  title: `a Postgres standby, a NATS cluster of three, two of every service (${FULL ? "full" : "short"} suite)`,
  full: FULL,
  topology: {
    natsNodes: 3,
    replicas: 2,
    gateways: 2,
    database: async () => {
      pair = await PostgresPair.start();
      return { url: pair.primaryUrl, readUrl: pair.standbyUrl, drop: async () => pair!.stop() };
    },
  },
  users: 3,
  createEveryMs: FULL ? 250 : 400,
  answerBoundMs: 5_000,
  errorSpanBoundMs: 5_000,
  note: () => `standby scans of tasks.tasks before the failover: ${standbyScans}`,
  faults: [
    { name: "none (baseline)", downMs: 2_000, inject: async () => {}, restore: async () => {} },
    natsFault(0),
    ...(FULL ? [natsFault(2)] : []),
    ...replicaFaults,
    failover,
  ],
  finally: async ({ stack }) => {
    // Lists and searches read on the standby while there was one (the LSN rule let them).
    expect(standbyScans).toBeGreaterThan(0);
    // After the promotion the former standby takes writes (the stack just wrote through it).
    expect(await pair!.query(pair!.standbyPort, "select pg_is_in_recovery() as r")).toEqual([{ r: false }]);
    // The login limit (LOGIN_RATE_LIMIT_PER_MINUTE, 10) holds across the two gateways: each attempt on a
    // connection of its own, so the proxy alternates them, and the 11th is refused whichever gateway it reaches.
    const before = stack.gatewayConnections();
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push(await loginOnNewConnection(stack.baseUrl, "nobody@example.com"));
    const after = stack.gatewayConnections();
    expect(after.map((n, i) => n - before[i]!).every((n) => n >= 5)).toBe(true);
    expect(statuses).toEqual([...Array(10).fill(401), 429, 429]);
  },
});

/** A wrong password for `email`, on a TCP connection of its own (no keep-alive): the status. */
function loginOnNewConnection(baseUrl: string, email: string): Promise<number> {
  const body = JSON.stringify({ email, password: "not-the-password-0" });
  return new Promise((resolve, reject) => {
    const req = http.request(`${baseUrl}/api/v1/auth/login`, { method: "POST", agent: false, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/**
 * Through any single fault, one at a time (issue 13): kill -9 of each service then a restart,
 * NATS down then back, every Postgres connection cut (./suite.ts says what is asserted). Every API
 * answer (success or 503) comes within 3 s during the fault and the 3 s after it; reminders due
 * during the NATS outage are delivered after it, flagged `late`. FAULT_SUITE=short (the default,
 * in `npm test`) keeps outages short; `npm run test:fault` runs the full one (NATS down 30 s, each
 * service down 10 s).
 */
import { DEPLOYMENT } from "../../deploy/services";
import { LATE_AFTER_MS } from "../../libs/contracts/notifications";
import { CATCH_UP_BOUND_MS, Fault, faultSuite } from "./suite";

const FULL = process.env.FAULT_SUITE === "full";
const SERVICE_DOWN_MS = FULL ? 10_000 : 2_000;
const NATS_DOWN_MS = FULL ? 30_000 : 10_000;

const killFaults: Fault[] = DEPLOYMENT.map(({ name }) => ({
  name: `kill -9 ${name}`,
  downMs: SERVICE_DOWN_MS,
  inject: (s) => s.killService(name),
  restore: (s) => s.startService(name),
  // Only a dead gateway refuses connections (status 0); anything else answers, with success or 503.
  allowed: name === "gateway" ? ["0"] : [],
}));
let cutBackends = 0;

faultSuite({
  title: `through single faults (${FULL ? "full" : "short"} suite)`,
  full: FULL,
  users: FULL ? 4 : 3,
  createEveryMs: FULL ? 250 : 400,
  answerBoundMs: 3_000,
  faults: [
    { name: "none (baseline)", downMs: 2_000, inject: async () => {}, restore: async () => {} },
    ...killFaults,
    { name: `NATS down ${NATS_DOWN_MS / 1000} s`, downMs: NATS_DOWN_MS, inject: (s) => s.killNats(), restore: (s) => s.restartNats() },
    {
      name: "Postgres connections cut",
      downMs: 0,
      inject: async (s) => {
        cutBackends = await s.cutPostgres();
      },
      restore: async () => {},
    },
  ],
  note: () => `${cutBackends} backends cut`,
  finally: ({ held, boxes, figures }) => {
    // Due during the NATS outage, more than the threshold before it ended: delivered after it, marked late.
    const nats = figures.find((f) => f.fault.startsWith("NATS"))!;
    const dueInOutage = held.filter((r) => r.fireAt >= nats.window.faultStart && r.fireAt < nats.window.back - LATE_AFTER_MS - 1_000);
    expect(dueInOutage.length).toBeGreaterThan(0);
    for (const r of dueInOutage) {
      const n = boxes[r.user]!.get(r.reminderId)![0]!;
      expect({ late: n.late, withinMsOfBack: n.createdAt - nats.window.back <= CATCH_UP_BOUND_MS }).toEqual({ late: true, withinMsOfBack: true });
    }
  },
});

/**
 * The fault suites' machinery (faults.fault.ts: one of each part; cluster.fault.ts: a NATS cluster
 * and two replicas of each service). Reminders are created at a steady rate throughout, due all
 * through each fault window; SSE clients stay connected through it all, reconnecting with
 * Last-Event-ID; reads probe every service. Asserted per fault: inbox and streams caught up within
 * 5 s of the part being back, every API answer within the suite's bound; at the end, no reminder
 * lost or duplicated (inbox and every stream, replays included) and late ones flagged `late`.
 * FAULT_RESULTS=<file> writes the figures as JSON.
 */
import { writeFileSync } from "node:fs";
import { LATE_AFTER_MS } from "../../libs/contracts/notifications";
import { Api } from "../support/api";
import { buildIfStale, FaultStack, Topology } from "./stack";
import { Answer, Delivered, inbox, Planned, ReconnectingStream, remindersHeld, request, sleep, User } from "./workload";

/** Before each fault: load and streams running normally. After catch-up: the phase's last reminders fall due. */
const LEAD_MS = 2_000;
/** The goal: caught up within 5 s of the part being back. */
export const CATCH_UP_BOUND_MS = 5_000;
/** API answers count from the fault's start until this long after the part is back (a cut is over at once). */
const AFTERMATH_MS = 3_000;
const STREAMS_PER_USER = 2;

export interface Fault {
  name: string;
  downMs: number;
  inject(stack: FaultStack): Promise<void>;
  /** Resolves once the part is back (its process says ready, NATS says ready). */
  restore(stack: FaultStack): Promise<void>;
  /** Answers other than a success or a 503 this fault may cause (a dead gateway refuses connections: "0"). */
  allowed?: string[];
}

export interface Figures {
  fault: string;
  downMs: number;
  reminders: number;
  lost: number;
  duplicated: number;
  streamLost: number;
  streamDuplicated: number;
  apiRequests: number;
  api503: number;
  apiOther: string[];
  maxApiMs: number;
  /** From the first failed answer's request to the last failed answer's end, 0 when none failed. */
  errorSpanMs: number;
  /** The slowest answer during the fault, and every one that was neither a success nor a 503. */
  slowest: string;
  odd: string[];
  catchUpMs: number;
  /** The longest any reminder took, past its time or the part's return (whichever is later), to reach its inbox and every stream. */
  worstMs: number;
  /** That reminder's way, stage by stage: where the time went. */
  worstWay: string;
  late: number;
  lateExpected: number;
  window: { start: number; faultStart: number; back: number; end: number };
}

export interface SuiteOptions {
  title: string;
  full: boolean;
  topology?: Topology;
  faults: Fault[];
  users: number;
  /** One reminder created every this often, round the users. */
  createEveryMs: number;
  /** Every API answer during a fault and its aftermath comes within this. */
  answerBoundMs: number;
  /** Failed answers (503s) all fall within this span of a fault, when set. */
  errorSpanBoundMs?: number;
  /** A line to print with the figures. */
  note?: () => string;
  /** Further checks after the exactly-once count, on what the stack holds and each user's inbox. */
  finally?: (run: { held: Planned[]; boxes: Map<string, Delivered[]>[]; figures: Figures[]; stack: FaultStack }) => void | Promise<void>;
}

/** Declares the suite's tests: one per fault, then the exactly-once count over all of them. */
export function faultSuite(o: SuiteOptions): void {
  let stack: FaultStack;
  const users: User[] = [];
  const streams: ReconnectingStream[][] = [];
  const planned: Planned[] = [];
  const answers: Answer[] = [];
  const figures: Figures[] = [];

  beforeAll(async () => {
    buildIfStale();
    stack = await FaultStack.start(o.topology);
    const api = new Api(stack.baseUrl);
    for (let i = 0; i < o.users; i++) {
      const u = await api.newUser();
      users.push(u);
      streams.push(Array.from({ length: STREAMS_PER_USER }, () => new ReconnectingStream(`${stack.baseUrl}/api/v1/notifications/stream`, u.accessToken)));
    }
  }, 240_000);

  afterAll(async () => {
    streams.flat().forEach((s) => s.close());
    await stack?.stop();
    printFigures(o, figures);
  }, 60_000);

  let turn = 0;
  async function createReminder(at: Date): Promise<void> {
    const user = turn++ % o.users;
    const res = await request(stack.baseUrl, "POST", "/tasks", users[user]!.accessToken, { title: `fault ${turn}`, reminders: [{ at: at.toISOString(), channels: ["sse"] }] });
    answers.push(res);
    if (res.status === 201) planned.push({ user, taskId: res.body.id, reminderId: res.body.reminders[0].id, fireAt: at.getTime() });
  }

  /** Due evenly through the fault window and 3 s past it, so every stretch of it has reminders falling due. */
  const SPREAD = 8;
  async function spreadThrough(fault: Fault, faultAt: number): Promise<void> {
    const window = fault.downMs + 3_000;
    for (let i = 0; i < SPREAD; i++) await createReminder(new Date(faultAt + ((i + 0.5) / SPREAD) * window));
  }

  /**
   * The steady load: a reminder created, due somewhere in the fault window or just after. The short
   * suite looks less far ahead, so a phase's last reminders fall due sooner and CI waits less.
   */
  function createReminders(fault: Fault) {
    const horizonMs = o.full ? LEAD_MS + fault.downMs + 4_000 : fault.downMs + 3_000;
    return every(o.createEveryMs, () => createReminder(new Date(Date.now() + 1_000 + Math.random() * horizonMs)));
  }

  /** Reads that cross each service: the task list (tasks), the inbox (notify), a search (search). */
  function probeReads() {
    const paths = ["/tasks?limit=5", "/notifications?limit=5", "/tasks?q=fault&limit=5", "/me"];
    let i = 0;
    return every(200, async () => {
      const user = users[i % o.users]!;
      answers.push(await request(stack.baseUrl, "GET", paths[i++ % paths.length]!, user.accessToken));
    });
  }

  /** Each user's inbox by reminder id, or undefined while an inbox does not answer. */
  async function inboxes(): Promise<Map<string, Delivered[]>[] | undefined> {
    const all = await Promise.all(users.map((u) => inbox(stack.baseUrl, u.accessToken)));
    if (all.some((a) => a === undefined)) return undefined;
    return all.map((items) => {
      const byReminder = new Map<string, Delivered[]>();
      for (const n of items!) byReminder.set(n.reminderId, [...(byReminder.get(n.reminderId) ?? []), n]);
      return byReminder;
    });
  }

  /** Every reminder due by `dueBy` is in its user's inbox and on each of the user's streams. */
  async function caughtUp(dueBy: number): Promise<boolean> {
    const due = planned.filter((p) => p.fireAt <= dueBy);
    if (!due.every((p) => streams[p.user]!.every((s) => s.byReminder.has(p.reminderId)))) return false;
    const boxes = await inboxes();
    return !!boxes && due.every((p) => boxes[p.user]!.has(p.reminderId));
  }

  async function waitCaughtUp(dueBy: number, withinMs: number): Promise<number> {
    const started = Date.now();
    while (!(await caughtUp(dueBy))) {
      if (Date.now() - started > withinMs) return Number.POSITIVE_INFINITY;
      await sleep(100);
    }
    return Date.now() - started;
  }

  async function runPhase(fault: Fault): Promise<Figures> {
    const start = Date.now();
    await spreadThrough(fault, start + LEAD_MS + 500);
    const creating = createReminders(fault);
    const reading = probeReads();
    await sleep(LEAD_MS);
    const faultStart = Date.now();
    await fault.inject(stack);
    await sleep(fault.downMs);
    await fault.restore(stack);
    const back = Date.now();
    const catchUpMs = await waitCaughtUp(back, 60_000);
    await sleep(back + AFTERMATH_MS - Date.now());
    await creating.stop();
    await reading.stop();
    // The phase's last reminders fall due and arrive before the next fault begins.
    const lastDue = Math.max(0, ...planned.map((p) => p.fireAt));
    await sleep(lastDue - Date.now());
    await waitCaughtUp(lastDue, 30_000);
    const during = answers.filter((a) => a.startedAt >= faultStart && a.startedAt <= back + AFTERMATH_MS);
    const failed = answers.filter((a) => a.startedAt >= start && (a.status < 200 || a.status > 299));
    const odd = during.filter((a) => a.status !== 503 && (a.status < 200 || a.status > 299));
    const f: Figures = {
      fault: fault.name,
      downMs: back - faultStart,
      reminders: 0,
      lost: 0,
      duplicated: 0,
      streamLost: 0,
      streamDuplicated: 0,
      apiRequests: during.length,
      api503: during.filter((a) => a.status === 503).length,
      apiOther: [...new Set(odd.map((a) => `${a.status}`))],
      maxApiMs: Math.max(0, ...during.map((a) => a.ms)),
      errorSpanMs: failed.length ? Math.max(...failed.map((a) => a.startedAt + a.ms)) - Math.min(...failed.map((a) => a.startedAt)) : 0,
      slowest: summary(during.reduce<Answer | undefined>((m, a) => (!m || a.ms > m.ms ? a : m), undefined)),
      odd: odd.map(summary),
      catchUpMs,
      worstMs: 0,
      worstWay: "",
      late: 0,
      lateExpected: 0,
      window: { start, faultStart, back, end: Date.now() },
    };
    figures.push(f);
    return f;
  }

  describe(o.title, () => {
    for (const fault of o.faults) {
      test(`${fault.name}: API answers within ${o.answerBoundMs / 1000} s during it and 3 s after, inbox and streams caught up within 5 s after`, async () => {
        const f = await runPhase(fault);
        expect(f.catchUpMs).toBeLessThanOrEqual(CATCH_UP_BOUND_MS);
        expect(f.maxApiMs).toBeLessThanOrEqual(o.answerBoundMs);
        if (o.errorSpanBoundMs !== undefined) expect(f.errorSpanMs).toBeLessThanOrEqual(o.errorSpanBoundMs);
        expect(f.apiOther.filter((s) => !fault.allowed?.includes(s))).toEqual([]);
      }, 180_000);
    }

    test("every reminder the stack holds was delivered exactly once: inbox and every stream, replays included; late ones flagged", async () => {
      const lastDue = Math.max(0, ...planned.map((p) => p.fireAt));
      await sleep(lastDue + 2_000 - Date.now());
      await waitCaughtUp(lastDue, 30_000);
      // What the stack holds, whatever the answers said: a create cut off mid-answer may have happened.
      const held = (await Promise.all(users.map((u, i) => remindersHeld(stack.baseUrl, i, u.accessToken)))).flat();
      const boxes = (await inboxes())!;
      const phaseOf = (fireAt: number) => [...figures].reverse().find((f) => fireAt >= f.window.start) ?? figures[0]!;
      for (const r of held) {
        const f = phaseOf(r.fireAt);
        f.reminders++;
        const delivered = boxes[r.user]!.get(r.reminderId) ?? [];
        if (delivered.length === 0) {
          f.lost++;
          f.odd.push(`lost: reminder ${r.reminderId} of task ${r.taskId}, due ${new Date(r.fireAt).toISOString()}: ${await stack.whereIs(r.reminderId, r.taskId)}`);
        }
        f.duplicated += Math.max(0, delivered.length - 1);
        for (const s of streams[r.user]!) {
          const ids = s.byReminder.get(r.reminderId);
          if (!ids) f.streamLost++;
          else f.streamDuplicated += ids.size - 1 + [...ids].reduce((n, id) => n + (s.seen.get(id)! - 1), 0);
        }
        const n = delivered[0];
        if (n) {
          const arrivals = streams[r.user]!.map((s) => s.arrivedAt.get(r.reminderId) ?? n.createdAt);
          const tookMs = Math.max(n.createdAt, ...arrivals) - Math.max(r.fireAt, f.window.back);
          if (tookMs > f.worstMs) {
            f.worstMs = tookMs;
            // Milliseconds since the fault began.
            const at = (t: number) => String(t - f.window.faultStart);
            f.worstWay = `reminder ${r.reminderId} (ms after the fault began): due ${at(r.fireAt)}, part back ${at(f.window.back)}, recorded ${at(n.createdAt)}, on its streams ${arrivals.map(at).join(", ")}`;
          }
        }
        if (n?.late) f.late++;
        // Delivered past the threshold must say so; the scheduler may also flag one it fired late.
        if (n && n.createdAt - n.fireAt > LATE_AFTER_MS) f.lateExpected++;
      }
      expect(figures.map((f) => ({ fault: f.fault, lost: f.lost, duplicated: f.duplicated, streamLost: f.streamLost, streamDuplicated: f.streamDuplicated }))).toEqual(
        figures.map((f) => ({ fault: f.fault, lost: 0, duplicated: 0, streamLost: 0, streamDuplicated: 0 })),
      );
      expect(held.length).toBeGreaterThan(figures.length * 5);
      // Reminders due after the part came back arrive on time too: none waits on a dead consumer's unacknowledged messages.
      expect(figures.filter((f) => f.worstMs > CATCH_UP_BOUND_MS).map((f) => `${f.fault}: ${f.worstMs} ms`)).toEqual([]);
      for (const n of [...boxes.values()].flatMap((b) => [...b.values()].flat())) {
        if (n.createdAt - n.fireAt > LATE_AFTER_MS) expect(n).toMatchObject({ late: true });
      }
      // Running normally, nothing is late.
      expect(figures[0]!.late).toBe(0);
      await o.finally?.({ held, boxes, figures, stack });
    }, 120_000);
  });
}

/** Runs `step` every `everyMs` (without overlapping itself) until stopped. */
function every(everyMs: number, step: () => Promise<void>): { stop(): Promise<void> } {
  let stopped = false;
  const running = (async () => {
    while (!stopped) {
      const started = Date.now();
      await step();
      await sleep(everyMs - (Date.now() - started));
    }
  })();
  return {
    stop: async () => {
      stopped = true;
      await running;
    },
  };
}

function summary(a: Answer | undefined): string {
  if (!a) return "";
  const detail = typeof a.body === "object" && a.body ? (a.body.detail ?? a.body.title ?? "") : String(a.body).slice(0, 80);
  return `${a.what} → ${a.status} in ${a.ms} ms ${detail}`.trim();
}

function printFigures(o: SuiteOptions, figures: Figures[]): void {
  const rows = figures.map((f) => ({
    fault: f.fault,
    "down s": (f.downMs / 1000).toFixed(1),
    reminders: f.reminders,
    lost: f.lost,
    duplicated: f.duplicated + f.streamDuplicated,
    "stream lost": f.streamLost,
    "max API ms": f.maxApiMs,
    "API 503/all": `${f.api503}/${f.apiRequests}`,
    "error span ms": f.errorSpanMs,
    "catch-up ms": Number.isFinite(f.catchUpMs) ? f.catchUpMs : "never",
    "worst ms": f.worstMs,
    late: f.late,
  }));
  const notes = figures.flatMap((f) => [`${f.fault}: slowest ${f.slowest}`, ...(f.worstWay ? [`${f.fault}: latest ${f.worstWay}`] : []), ...f.odd.slice(0, 5).map((x) => `${f.fault}: ${x}`)]);
  console.log(`${o.title}, ${o.users} users × ${STREAMS_PER_USER} streams${o.note ? `, ${o.note()}` : ""}\n${table(rows)}\n${notes.join("\n")}`);
  if (process.env.FAULT_RESULTS) {
    writeFileSync(process.env.FAULT_RESULTS, JSON.stringify({ suite: o.title, full: o.full, at: new Date().toISOString(), lateAfterMs: LATE_AFTER_MS, figures }, null, 2) + "\n");
  }
}

function table(rows: Record<string, string | number>[]): string {
  if (rows.length === 0) return "(no figures)";
  const cols = Object.keys(rows[0]!);
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(width[i]!)).join(" | ")} |`;
  return [line(cols), line(width.map((w) => "-".repeat(w))), ...rows.map((r) => line(cols.map((c) => String(r[c]))))].join("\n");
}

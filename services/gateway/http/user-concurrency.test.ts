import { AsyncLocalStorage } from "node:async_hooks";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import express from "express";
import type { LoggerInstance } from "moleculer";
import { problemHandler } from "./problem-handler";
import { userConcurrency } from "./user-concurrency";

const BIG = 64 * 1024 * 1024;

/**
 * A real express app over real HTTP: the caller is named by a header, and every request's
 * handler waits until the test lets it answer. So which requests are running is the test's to
 * see, without timing anything.
 */
async function harness(inFlight: number, queued: number) {
  const turns = userConcurrency({ inFlight, queued });
  const started: string[] = [];
  const arrived: string[] = [];
  const release = new Map<string, () => void>();
  /** What each request's handler found as its async context: its own id, as libs/db's arrival time is. */
  const context = new Map<string, string | undefined>();
  const own = new AsyncLocalStorage<string>();
  const app = express();
  app.use((req, res, next) => {
    const user = req.get("x-user");
    if (user) res.locals.auth = { userId: user, roles: ["member"] };
    arrived.push(req.get("x-request")!);
    own.run(req.get("x-request")!, next);
  });
  app.get("/work", turns, (req, res) => {
    const id = req.get("x-request")!;
    started.push(id);
    context.set(id, own.getStore());
    // A "big" answer is more than the sockets between server and client hold.
    release.set(id, () => (id.startsWith("big") ? res.end(Buffer.alloc(BIG)) : res.json({ id })));
  });
  app.use(problemHandler({ error: () => undefined, warn: () => undefined } as unknown as LoggerInstance));
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, "127.0.0.1", () => resolve(s));
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const send = (user: string | undefined, id: string, signal?: AbortSignal) =>
    fetch(`${base}/work`, { headers: { ...(user ? { "x-user": user } : {}), "x-request": id }, signal });
  /** Waits for a state of the app (not for time): the condition is checked as the event loop turns. */
  const until = async (what: () => boolean) => {
    while (!what()) await new Promise((r) => setImmediate(r));
  };
  const answer = (id: string) => {
    release.get(id)!();
    release.delete(id);
  };
  /** `first` running and `second` waiting behind it (with inFlight 1): both answers to come. */
  const runningThenWaiting = async (user: string, first: string, second: string, signal?: AbortSignal) => {
    const running = send(user, first);
    await until(() => started.length === 1);
    const waiting = send(user, second, signal);
    await until(() => turns.of(user)?.waiting === 1);
    return { running, waiting };
  };
  return { turns, context, started, runningThenWaiting, arrived, send, until, answer, close: () =>
      new Promise((r) => {
        server.close(r);
        server.closeAllConnections();
      }),
  };
}

describe("requests of one account take turns", () => {
  test("past inFlight they wait and start in arrival order, while another account's and anonymous requests pass them", async () => {
    const h = await harness(2, 10);
    const a = ["a1", "a2", "a3", "a4"].map((id) => h.send("alice", id));
    await h.until(() => h.turns.of("alice")?.running === 2 && h.turns.of("alice")?.waiting === 2);
    expect(h.started).toHaveLength(2);

    const bob = h.send("bob", "b1");
    const anonymous = h.send(undefined, "x1");
    await h.until(() => h.started.length === 4);
    expect(h.started.slice(2).sort()).toEqual(["b1", "x1"]);
    h.answer("b1");
    h.answer("x1");
    expect((await bob).status).toBe(200);
    expect((await anonymous).status).toBe(200);

    // The two that waited start one per answer of alice's, in the order they arrived.
    const waitedInOrder = h.arrived.filter((id) => id.startsWith("a") && !h.started.includes(id));
    h.answer(h.started[0]!);
    await h.until(() => h.started.length === 5);
    expect(h.turns.of("alice")).toEqual({ running: 2, waiting: 1 });
    h.answer(h.started[1]!);
    await h.until(() => h.started.length === 6);
    expect(h.started.slice(4)).toEqual(waitedInOrder);
    h.answer(h.started[4]!);
    h.answer(h.started[5]!);
    expect((await Promise.all(a)).map((r) => r.status)).toEqual([200, 200, 200, 200]);
    // Those that waited went on in their own context, not in that of the request whose answer let them in.
    expect([...h.context]).toEqual(h.started.map((id) => [id, id]));
    // An account with nothing running or waiting is forgotten.
    await h.until(() => h.turns.of("alice") === undefined);
    await h.close();
  });

  test("one more than the queue holds is refused with a 429 problem and Retry-After, and nothing of it runs", async () => {
    const h = await harness(1, 1);
    const { running: first, waiting: second } = await h.runningThenWaiting("alice", "a1", "a2");

    const refused = await h.send("alice", "a3");
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("1");
    expect(refused.headers.get("content-type")).toContain("application/problem+json");
    expect(await refused.json()).toMatchObject({ status: 429, detail: "Too many requests; retry after 1 s" });
    expect(h.turns.of("alice")).toEqual({ running: 1, waiting: 1 });

    h.answer("a1");
    await h.until(() => h.started.length === 2);
    h.answer("a2");
    expect([(await first).status, (await second).status]).toEqual([200, 200]);
    expect(h.started).toEqual(["a1", "a2"]);
    await h.close();
  });

  test("a request whose client left while it waited never starts, and gives its place up", async () => {
    const h = await harness(1, 5);
    const leaving = new AbortController();
    const { running: first, waiting } = await h.runningThenWaiting("alice", "a1", "a2", leaving.signal);
    const left = waiting.catch((e: Error) => e.name);
    leaving.abort();
    expect(await left).toBe("AbortError");
    await h.until(() => h.turns.of("alice")?.waiting === 0);

    const third = h.send("alice", "a3");
    await h.until(() => h.turns.of("alice")?.waiting === 1);
    h.answer("a1");
    await h.until(() => h.started.length === 2);
    h.answer("a3");
    expect([(await first).status, (await third).status]).toEqual([200, 200]);
    expect(h.started).toEqual(["a1", "a3"]);
    await h.until(() => h.turns.of("alice") === undefined);
    await h.close();
  });

  test("a place is given up once the answer is written, before a slow client has read it", async () => {
    const h = await harness(1, 5);
    const { running: big, waiting: second } = await h.runningThenWaiting("alice", "big1", "a2");
    h.answer("big1");
    // The big answer's body is still unread here.
    await h.until(() => h.started.length === 2);
    h.answer("a2");
    expect((await second).status).toBe(200);
    expect((await (await big).arrayBuffer()).byteLength).toBe(BIG);
    await h.until(() => h.turns.of("alice") === undefined);
    await h.close();
  });
});

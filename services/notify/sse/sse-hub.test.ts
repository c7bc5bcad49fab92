import { EventEmitter } from "node:events";
import type { ServerResponse } from "node:http";
import type { NotificationDto } from "../../../libs/contracts";
import { MAX_BUFFERED_BYTES, RETRY_HINT_MS, SseHub, STREAM_CAP_RETRY_AFTER_S } from "./sse-hub";

/** Just enough of a ServerResponse: records writes and lets a test pretend the client stopped reading. */
class FakeResponse extends EventEmitter {
  chunks: string[] = [];
  status?: number;
  headers: Record<string, string> = {};
  writableLength = 0;
  ended = false;
  destroyed = false;
  writeHead(status: number, headers: Record<string, string> = {}) {
    this.status = status;
    this.headers = headers;
    return this;
  }
  write(chunk: string) {
    this.chunks.push(chunk);
    return true;
  }
  end(chunk?: string) {
    if (chunk) this.chunks.push(chunk);
    this.ended = true;
    this.emit("close");
    return this;
  }
  destroy() {
    this.destroyed = true;
    this.emit("close");
  }
  get text() {
    return this.chunks.join("");
  }
}

const note = (id: string): NotificationDto => ({
  id, kind: "reminder", taskId: id, reminderId: id, title: `T ${id}`, dueAt: null, fireAt: "2026-01-01T00:00:00.000Z",
  invitationId: null, projectId: null, createdAt: "2026-01-01T00:00:00.000Z", readAt: null, late: false, deliveries: [],
});
const asRes = (r: FakeResponse) => r as unknown as ServerResponse;

let hub: SseHub;
beforeEach(() => {
  jest.useFakeTimers();
  hub = new SseHub();
});
afterEach(() => {
  hub.closeAll();
  jest.useRealTimers();
});

test("streams carry event-stream headers, id/event/data frames, and a ping every 15 s", async () => {
  const res = new FakeResponse();
  await hub.open("u1", asRes(res), async () => []);
  expect(res.status).toBe(200);
  expect(res.headers).toMatchObject({ "content-type": "text/event-stream; charset=utf-8", "x-accel-buffering": "no" });
  expect(hub.publish("u1", note("a"))).toBe(1);
  expect(res.text).toContain(`id: a\nevent: reminder\ndata: ${JSON.stringify(note("a"))}\n\n`);
  const invitation: NotificationDto = { ...note("b"), kind: "invitation", taskId: null, reminderId: null, fireAt: null, invitationId: "b", projectId: "p" };
  hub.publish("u1", invitation);
  expect(res.text).toContain(`id: b\nevent: invitation\ndata: ${JSON.stringify(invitation)}\n\n`);
  expect(res.text).not.toContain(": ping");
  jest.advanceTimersByTime(15_000);
  expect(res.text).toContain(": ping\n\n");
});

test("every stream of the user gets each notification; other users get nothing", async () => {
  const [tab1, tab2, other] = [new FakeResponse(), new FakeResponse(), new FakeResponse()];
  await hub.open("u1", asRes(tab1), async () => []);
  await hub.open("u1", asRes(tab2), async () => []);
  await hub.open("u2", asRes(other), async () => []);
  expect(hub.publish("u1", note("a"))).toBe(2);
  expect(tab1.text).toContain("id: a");
  expect(tab2.text).toContain("id: a");
  expect(other.text).not.toContain("id: a");
});

test("live events that arrive during the replay follow it, without duplicates", async () => {
  const res = new FakeResponse();
  let release!: (v: NotificationDto[]) => void;
  const opening = hub.open("u1", asRes(res), () => new Promise((r) => (release = r)));
  hub.publish("u1", note("c"));
  hub.publish("u1", note("b"));
  release([note("a"), note("b")]);
  expect(await opening).toEqual(["a", "b", "c"]);
  expect(res.text.match(/^id: .*$/gm)).toEqual(["id: a", "id: b", "id: c"]);
});

test("a stalled client is dropped instead of buffering without bound, and others still get theirs", async () => {
  const [slow, fast] = [new FakeResponse(), new FakeResponse()];
  await hub.open("u1", asRes(slow), async () => []);
  await hub.open("u1", asRes(fast), async () => []);
  slow.writableLength = MAX_BUFFERED_BYTES + 1;
  expect(hub.publish("u1", note("a"))).toBe(1);
  expect(slow.destroyed).toBe(true);
  expect(fast.text).toContain("id: a");
  expect(hub.size).toBe(1);
});

test("shutdown ends every stream with a retry hint and refuses new ones", async () => {
  const res = new FakeResponse();
  await hub.open("u1", asRes(res), async () => []);
  hub.closeAll();
  expect(res.ended).toBe(true);
  expect(res.text.endsWith(`retry: ${RETRY_HINT_MS}\n\n`)).toBe(true);
  const late = new FakeResponse();
  await hub.open("u1", asRes(late), async () => []);
  expect(late.status).toBe(503);
});

test("a user holds at most the cap of open streams: the next gets 429 with Retry-After; closing one frees a slot", async () => {
  const capped = new SseHub(undefined, 2);
  try {
    const [a, b, c, d] = [new FakeResponse(), new FakeResponse(), new FakeResponse(), new FakeResponse()];
    await capped.open("u1", asRes(a), async () => []);
    await capped.open("u1", asRes(b), async () => []);
    await capped.open("u1", asRes(c), async () => []);
    expect(c.status).toBe(429);
    expect(c.headers["retry-after"]).toBe(String(STREAM_CAP_RETRY_AFTER_S));
    expect(JSON.parse(c.text)).toMatchObject({ status: 429 });
    await capped.open("u2", asRes(d), async () => []);
    expect(d.status).toBe(200);
    a.end();
    const e = new FakeResponse();
    await capped.open("u1", asRes(e), async () => []);
    expect(e.status).toBe(200);
  } finally {
    capped.closeAll();
  }
});

test("disconnect ends all of one user's streams and leaves the others", async () => {
  const [mine, other] = [new FakeResponse(), new FakeResponse()];
  await hub.open("u1", asRes(mine), async () => []);
  await hub.open("u2", asRes(other), async () => []);
  hub.disconnect("u1");
  expect(mine.ended).toBe(true);
  expect(other.ended).toBe(false);
  expect(hub.size).toBe(1);
});

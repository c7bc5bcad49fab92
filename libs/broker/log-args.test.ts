import pino from "pino";
import { Writable } from "node:stream";
import { consoleStyle } from "./log-args";

function capture() {
  const lines: Record<string, any>[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { log: consoleStyle(pino({ level: "trace" }, sink)), lines };
}

test("an error passed after the message is logged with its message and stack, not dropped", async () => {
  const { log, lines } = capture();
  log.warn("tasks outbox: publish failed, will retry", new Error("TIMEOUT"));
  log.info("listening on", 3000, { port: 3000 });
  log.error({ err: new Error("already pino's way") }, "as is");
  await new Promise((r) => setImmediate(r));
  expect(lines[0]).toMatchObject({ level: 40, msg: "tasks outbox: publish failed, will retry", err: { message: "TIMEOUT", type: "Error" } });
  expect(lines[0]!.err.stack).toContain("log-args.test");
  expect(lines[1]).toMatchObject({ level: 30, msg: "listening on 3000", args: [{ port: 3000 }] });
  expect(lines[2]).toMatchObject({ level: 50, msg: "as is", err: { message: "already pino's way" } });
});

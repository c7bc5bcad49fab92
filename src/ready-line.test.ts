import { parseReadyLine, readyLine } from "./ready-line";

const gateway = { mode: "embedded", services: ["gateway", "tasks"], healthPort: 9100, url: "http://localhost:3000", ms: 811.6 };

test("a process with the gateway names its API and its web page", () => {
  expect(readyLine(gateway)).toBe(
    "Todogenie ready (embedded, services: gateway, tasks, health port 9100) at http://localhost:3000/api/v1, web page http://localhost:3000/ in 812 ms",
  );
});

test("a process without the gateway names neither", () => {
  expect(readyLine({ ...gateway, services: ["scheduler"], url: undefined })).toBe(
    "Todogenie ready (embedded, services: scheduler, health port 9100) in 812 ms",
  );
});

test("is found as a plain line among others, and as the message of a JSON log record", () => {
  const line = readyLine(gateway);
  const expected = { healthPort: 9100, url: "http://localhost:3000" };
  expect(parseReadyLine(`starting\n${line}\n`)).toEqual(expected);
  expect(parseReadyLine(`${JSON.stringify({ level: 30, time: 1, service: "gateway,tasks", msg: line })}\n`)).toEqual(expected);
  expect(parseReadyLine(readyLine({ ...gateway, url: undefined }))).toEqual({ healthPort: 9100, url: undefined });
  expect(parseReadyLine(line.slice(0, -10))).toBeUndefined();
});

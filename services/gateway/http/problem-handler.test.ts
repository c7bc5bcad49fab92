import type { LoggerInstance } from "moleculer";
import { describe as describeError, fromBodyParser, problemHandler } from "./problem-handler";
import { unstorableStrings } from "./validate";

/** Just what the handler calls on a response, recording it. */
function fakeRes() {
  const res = {
    statusCode: 0,
    headers: {} as Record<string, string>,
    body: "",
    setHeader(name: string, value: string) {
      res.headers[name.toLowerCase()] = value;
      return res;
    },
    status(code: number) {
      res.statusCode = code;
      return res;
    },
    type: () => res,
    send(body: string) {
      res.body = body;
      return res;
    },
  };
  return res;
}

describe("the problem handler", () => {
  test("a 500 is logged with its stack and every cause", () => {
    const lines: string[] = [];
    const logger = { error: (m: string) => lines.push(m) } as unknown as LoggerInstance;
    const res = fakeRes();
    const err = new Error("outer", { cause: new TypeError("the root cause") });
    problemHandler(logger)(err, { method: "GET", originalUrl: "/api/v1/x" } as never, res as never, () => undefined);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("GET /api/v1/x failed: Error: outer");
    expect(lines[0]).toMatch(/at .*problem-handler\.test\.ts/);
    expect(lines[0]).toContain("Caused by: TypeError: the root cause");
  });

  test("a 401 says how to authenticate", () => {
    const res = fakeRes();
    const logger = { error: jest.fn() } as unknown as LoggerInstance;
    problemHandler(logger)({ type: "UNAUTHORIZED", message: "no" }, { method: "GET", originalUrl: "/" } as never, res as never, () => undefined);
    expect(res.headers["www-authenticate"]).toBe("Bearer");
  });

  test.each([
    [{ type: "entity.too.large", status: 413, expose: true }, "PAYLOAD_TOO_LARGE"],
    [{ type: "encoding.unsupported", status: 415, expose: true }, "UNSUPPORTED_MEDIA_TYPE"],
    [{ status: 400, expose: true, message: "incorrect header check" }, "BAD_REQUEST"],
    [{ type: "entity.parse.failed", status: 400, expose: true }, "BAD_REQUEST"],
  ])("body-parser's %j becomes %s", (err, type) => {
    expect(fromBodyParser(err)).toMatchObject({ type });
  });

  test("anything else passes through, to be a 500", () => {
    const boom = new Error("boom");
    expect(fromBodyParser(boom)).toBe(boom);
    expect(describeError("plain")).toBe('"plain"');
  });
});

describe("strings no store can keep", () => {
  test("NUL and lone surrogates are found anywhere, keys included; pairs are fine", () => {
    expect(unstorableStrings("body", { title: "ok 🎉", tags: ["a", "b\u0000"], nested: { "k\uD800": 1, v: "\uDC00" } }).map((e) => e.path)).toEqual([
      "body.tags.1",
      "body.nested",
      "body.nested.v",
    ]);
    expect(unstorableStrings("query", { q: "x\uD83D\uDE00y" })).toEqual([]);
  });
});

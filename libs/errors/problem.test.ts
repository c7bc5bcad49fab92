import { Errors } from "moleculer";
import { NotFoundError, RateLimitedError, ValidationError } from "./index";
import { toProblem } from "./problem";

test("typed errors map to their status and keep field errors", () => {
  const { problem } = toProblem(new ValidationError("Invalid body", [{ path: "body.title", message: "Required" }]));
  expect(problem).toEqual({
    type: "https://todogenie.dev/problems/validation",
    title: "Validation failed",
    status: 422,
    detail: "Invalid body",
    errors: [{ path: "body.title", message: "Required" }],
  });
  expect(toProblem(new RateLimitedError(30))).toMatchObject({ problem: { status: 429 }, retryAfterSeconds: 30 });
});

test("an error re-created after crossing NATS maps by its type alone", () => {
  const original = new NotFoundError("task 1 not found");
  const overTheWire = Object.assign(new Error(original.message), JSON.parse(JSON.stringify({ name: original.name, code: original.code, type: original.type, data: original.data })));
  expect(toProblem(overTheWire).problem).toMatchObject({ status: 404, detail: "task 1 not found" });
});

test("a missing service is 503 to retry, and anything unknown is a bare 500 that leaks nothing", () => {
  expect(toProblem(new Errors.ServiceNotFoundError({ action: "tasks.get" }))).toMatchObject({ problem: { status: 503 }, retryAfterSeconds: 1 });
  const unknown = toProblem(new Error("password column missing"));
  expect(unknown).toMatchObject({ problem: { status: 500, detail: "An unexpected error occurred" }, unexpected: true });
});

test("a query whose Postgres connection was cut is 503 to retry, here or after crossing NATS, not a 500", () => {
  const terminated = Object.assign(new Error("select 1 - terminating connection due to administrator command"), { code: "57P01" });
  expect(toProblem(terminated)).toMatchObject({ problem: { status: 503, detail: "The database connection was lost; try again shortly" }, retryAfterSeconds: 1, unexpected: false });
  // Re-created by Moleculer on the caller's side: a generic error keeping the SQLSTATE as its code.
  expect(toProblem(Object.assign(new Error("x"), { name: "error", code: "57P01" })).problem.status).toBe(503);
  expect(toProblem(new Error("Connection terminated unexpectedly")).problem.status).toBe(503);
  expect(toProblem(new Error("Connection terminated")).problem.status).toBe(503);
  expect(toProblem(new Error("Client has encountered a connection error and is not queryable")).problem.status).toBe(503);
  expect(toProblem(new Error("Client was closed and is not queryable")).problem.status).toBe(503);
  expect(toProblem(Object.assign(new Error("socket gone"), { code: "08006" })).problem.status).toBe(503);
  // Other SQLSTATEs stay bugs.
  expect(toProblem(Object.assign(new Error("syntax"), { code: "42601" })).problem.status).toBe(500);
});

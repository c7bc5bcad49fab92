import { AsyncLocalStorage } from "node:async_hooks";
import { asWorkStartedAt } from "./index";

test("a process without an embedded session runs its requests outside any async context", () => {
  // The first AsyncLocalStorage.run hooks every promise the process makes from then on.
  const run = jest.spyOn(AsyncLocalStorage.prototype, "run");
  expect(asWorkStartedAt(performance.now(), () => "answered")).toBe("answered");
  expect(run).not.toHaveBeenCalled();
  run.mockRestore();
});

import type { Request, Response } from "express";
import jwt from "jsonwebtoken";
import { Errors } from "moleculer";
import type { Membership } from "../../../libs/authz";
import { ManualClock } from "../../../libs/clock";
import { JWT_ALGORITHM, JWT_AUDIENCE, JWT_ISSUER, type AuthMeta } from "../../../libs/contracts";
import { UnauthorizedError } from "../../../libs/errors";
import type { UserRow, UserStore } from "../auth/user-store";
import { createAuthenticator, CALLER_CACHE_MS, STALE_MEMBERSHIPS_MS } from "./authenticate";

const SECRET = "authenticate-test-secret-0123456789abcdef";
const USER_ID = "8f0c3a52-3b8e-4d52-9a57-4f0d2a8e1c11";

function harness(membershipsOf: (userId: string) => Promise<Membership[]> = async () => []) {
  const clock = new ManualClock(new Date("2026-05-01T00:00:00Z"));
  let row: Partial<UserRow> = { id: USER_ID, roles: ["member"], timezone: "UTC", disabled: false };
  const users = { findById: jest.fn(async () => row as UserRow) };
  const authenticator = createAuthenticator(users as unknown as UserStore, clock, SECRET, membershipsOf);
  const token = jwt.sign({}, SECRET, { algorithm: JWT_ALGORITHM, subject: USER_ID, issuer: JWT_ISSUER, audience: JWT_AUDIENCE, expiresIn: 3600 });
  /** Runs the middleware once: the caller it let through, or the error it stopped them with. */
  const call = () =>
    new Promise<AuthMeta | Error>((resolve) => {
      const req = { headers: { authorization: `Bearer ${token}` } } as Request;
      const res = { locals: {} } as Response;
      authenticator.middleware(req, res, (err?: unknown) => resolve(err instanceof Error ? err : (res.locals.auth as AuthMeta)));
    });
  return { clock, users, call, authenticator, disable: () => (row = { ...row, disabled: true }) };
}

test("a looked-up caller is reused for CALLER_CACHE_MS of the injected clock when no change is announced, then looked up again", async () => {
  const h = harness();
  expect(await h.call()).toMatchObject({ userId: USER_ID });
  h.disable();
  h.clock.advance(CALLER_CACHE_MS - 1);
  expect(await h.call()).toMatchObject({ userId: USER_ID });
  expect(h.users.findById).toHaveBeenCalledTimes(1);
  h.clock.advance(1);
  expect(await h.call()).toBeInstanceOf(UnauthorizedError);
  expect(h.users.findById).toHaveBeenCalledTimes(2);
});

test("a disabled account announced (forget) is refused by the very next request", async () => {
  const h = harness();
  expect(await h.call()).toMatchObject({ userId: USER_ID });
  h.disable();
  h.authenticator.forget(USER_ID);
  expect(await h.call()).toBeInstanceOf(UnauthorizedError);
});

test("requests that arrive while their caller is being looked up share that one lookup", async () => {
  const h = harness();
  const answers = await Promise.all(Array.from({ length: 5 }, () => h.call()));
  answers.forEach((a) => expect(a).toMatchObject({ userId: USER_ID }));
  expect(h.users.findById).toHaveBeenCalledTimes(1);
});

test("a caller forgotten during a lookup is looked up afresh by the next request", async () => {
  const h = harness();
  const first = h.call();
  h.disable();
  h.authenticator.forget(USER_ID);
  expect(await h.call()).toBeInstanceOf(UnauthorizedError);
  await first;
  // The overtaken lookup filled no cache: the disabled account stays refused.
  expect(await h.call()).toBeInstanceOf(UnauthorizedError);
});

describe("while the tasks service cannot answer for memberships", () => {
  const PROJECT = "0d6f1b8e-7a9c-4c3e-9f51-2b7e8d4a6c10";
  const member: Membership[] = [{ projectId: PROJECT, role: "editor" } as Membership];
  /** A memberships call that answers, or fails with `failure` once told to. */
  function tasks() {
    let failure: Error | undefined;
    const fn = jest.fn(async () => {
      if (failure) throw failure;
      return member;
    });
    return { fn, failWith: (err: Error | undefined) => (failure = err) };
  }
  const abilitiesOf = (auth: AuthMeta | Error) => JSON.stringify((auth as AuthMeta).rules);

  test.each([
    ["not answering", () => new Errors.RequestTimeoutError({ action: "projects.memberships", nodeID: "tasks-1" })],
    ["gone from the registry", () => new Errors.ServiceNotAvailableError({ action: "projects.memberships" })],
  ])("a caller seen before is authenticated with their last known memberships (tasks %s)", async (_case, error) => {
    const t = tasks();
    const h = harness(t.fn);
    const before = await h.call();
    t.failWith(error());
    h.clock.advance(CALLER_CACHE_MS);
    const during = await h.call();
    expect(during).toMatchObject({ userId: USER_ID });
    expect(abilitiesOf(during)).toBe(abilitiesOf(before));
    // The stand-in is cached like an answer: the next requests do not wait on tasks again.
    expect(await h.call()).toMatchObject({ userId: USER_ID });
    expect(t.fn).toHaveBeenCalledTimes(2);
  });

  test("the account still comes from the database: a disabled caller is refused", async () => {
    const t = tasks();
    const h = harness(t.fn);
    await h.call();
    t.failWith(new Errors.RequestTimeoutError({ action: "projects.memberships", nodeID: "tasks-1" }));
    h.disable();
    h.clock.advance(CALLER_CACHE_MS);
    expect(await h.call()).toBeInstanceOf(UnauthorizedError);
  });

  test("the last known memberships stand in for a limited time", async () => {
    const t = tasks();
    const h = harness(t.fn);
    await h.call();
    t.failWith(new Errors.RequestTimeoutError({ action: "projects.memberships", nodeID: "tasks-1" }));
    h.clock.advance(STALE_MEMBERSHIPS_MS - 1);
    expect(await h.call()).toMatchObject({ userId: USER_ID });
    h.clock.advance(CALLER_CACHE_MS);
    expect(await h.call()).toMatchObject({ type: "REQUEST_TIMEOUT" });
  });

  test("an error tasks answered with is not covered up, nor is a caller never seen, nor one whose memberships changed", async () => {
    const t = tasks();
    const h = harness(t.fn);
    t.failWith(new Errors.RequestTimeoutError({ action: "projects.memberships", nodeID: "tasks-1" }));
    expect(await h.call()).toMatchObject({ type: "REQUEST_TIMEOUT" });

    t.failWith(undefined);
    h.clock.advance(CALLER_CACHE_MS);
    await h.call();
    t.failWith(new Error("a bug in tasks"));
    h.clock.advance(CALLER_CACHE_MS);
    expect(await h.call()).toMatchObject({ message: "a bug in tasks" });

    t.failWith(undefined);
    h.clock.advance(CALLER_CACHE_MS);
    await h.call();
    h.authenticator.forget(USER_ID);
    t.failWith(new Errors.ServiceNotAvailableError({ action: "projects.memberships" }));
    expect(await h.call()).toMatchObject({ type: "SERVICE_NOT_AVAILABLE" });
  });
});

describe("memberships", () => {
  const PROJECT = "0d6f1b8e-7a9c-4c3e-9f51-2b7e8d4a6c10";
  function tasks() {
    let answer: Membership[] = [];
    let hold: Promise<void> | undefined;
    const fn = jest.fn(async () => {
      const now = answer;
      await hold;
      return now;
    });
    return { fn, answer: (m: Membership[]) => (answer = m), holdUntil: (p: Promise<void> | undefined) => (hold = p) };
  }
  const projectsOf = (auth: AuthMeta | Error) => JSON.stringify((auth as AuthMeta).rules).includes(PROJECT);

  test("are asked with the account, once per CALLER_CACHE_MS", async () => {
    const t = tasks();
    const h = harness(t.fn);
    await h.call();
    h.clock.advance(CALLER_CACHE_MS - 1);
    await h.call();
    expect(h.users.findById).toHaveBeenCalledTimes(1);
    expect(t.fn).toHaveBeenCalledTimes(1);
    h.clock.advance(1);
    await h.call();
    expect(h.users.findById).toHaveBeenCalledTimes(2);
    expect(t.fn).toHaveBeenCalledTimes(2);
  });

  test("a change announced (forget) is seen by the next request", async () => {
    const t = tasks();
    const h = harness(t.fn);
    expect(projectsOf(await h.call())).toBe(false);
    t.answer([{ projectId: PROJECT, role: "editor" } as Membership]);
    h.authenticator.forget(USER_ID);
    expect(projectsOf(await h.call())).toBe(true);
  });

  test("an answer asked for before a change was announced is not reused after it", async () => {
    const t = tasks();
    const h = harness(t.fn);
    let release!: () => void;
    t.holdUntil(new Promise<void>((r) => (release = r)));
    const before = h.call();
    while (t.fn.mock.calls.length === 0) await new Promise(setImmediate);
    t.answer([{ projectId: PROJECT, role: "editor" } as Membership]);
    h.authenticator.forget(USER_ID);
    release();
    t.holdUntil(undefined);
    expect(projectsOf(await before)).toBe(false);
    h.clock.advance(1_000);
    expect(projectsOf(await h.call())).toBe(true);
  });

  test("after the bus connection comes back every caller is looked up again, and the last known memberships still stand in", async () => {
    const t = tasks();
    const h = harness(t.fn);
    t.answer([{ projectId: PROJECT, role: "editor" } as Membership]);
    await h.call();
    h.authenticator.forgetEveryone();
    await h.call();
    expect(h.users.findById).toHaveBeenCalledTimes(2);
    expect(t.fn).toHaveBeenCalledTimes(2);
    t.fn.mockRejectedValue(new Errors.RequestTimeoutError({ action: "projects.memberships", nodeID: "tasks-1" }));
    h.authenticator.forgetEveryone();
    expect(projectsOf(await h.call())).toBe(true);
    // The account was read again all the same: a disabled caller is refused after a reconnect.
    h.disable();
    h.authenticator.forgetEveryone();
    expect(await h.call()).toBeInstanceOf(UnauthorizedError);
  });
});

import type { Request, Response } from "express";
import jwt from "jsonwebtoken";
import { ManualClock } from "../../../libs/clock";
import { JWT_ALGORITHM, JWT_AUDIENCE, JWT_ISSUER, type AuthMeta } from "../../../libs/contracts";
import { UnauthorizedError } from "../../../libs/errors";
import type { UserRow, UserStore } from "../auth/user-store";
import { createAuthenticator } from "./authenticate";

const SECRET = "authenticate-test-secret-0123456789abcdef";
const USER_ID = "8f0c3a52-3b8e-4d52-9a57-4f0d2a8e1c11";

function harness() {
  const clock = new ManualClock(new Date("2026-05-01T00:00:00Z"));
  let row: Partial<UserRow> = { id: USER_ID, roles: ["member"], timezone: "UTC", disabled: false };
  const users = { findById: jest.fn(async () => row as UserRow) };
  const authenticator = createAuthenticator(users as unknown as UserStore, clock, SECRET, async () => []);
  const token = jwt.sign({}, SECRET, { algorithm: JWT_ALGORITHM, subject: USER_ID, issuer: JWT_ISSUER, audience: JWT_AUDIENCE, expiresIn: 3600 });
  /** Runs the middleware once: the caller it let through, or the error it stopped them with. */
  const call = () =>
    new Promise<AuthMeta | Error>((resolve) => {
      const req = { headers: { authorization: `Bearer ${token}` } } as Request;
      const res = { locals: {} } as Response;
      authenticator.middleware(req, res, (err?: unknown) => resolve(err instanceof Error ? err : (res.locals.auth as AuthMeta)));
    });
  return { clock, users, call, disable: () => (row = { ...row, disabled: true }) };
}

test("a looked-up caller is trusted for a second of the injected clock, then looked up again", async () => {
  const h = harness();
  expect(await h.call()).toMatchObject({ userId: USER_ID });
  h.disable();
  h.clock.advance(999);
  expect(await h.call()).toMatchObject({ userId: USER_ID });
  expect(h.users.findById).toHaveBeenCalledTimes(1);
  h.clock.advance(1);
  expect(await h.call()).toBeInstanceOf(UnauthorizedError);
  expect(h.users.findById).toHaveBeenCalledTimes(2);
});

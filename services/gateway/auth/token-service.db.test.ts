import jwt from "jsonwebtoken";
import { ManualClock } from "../../../libs/clock";
import { JWT_AUDIENCE, JWT_ISSUER, registerInput } from "../../../libs/contracts";
import { postgresDb } from "../../../test/support/db";
import { AUTH_SCHEMA, migrations } from "../migrations";
import { REFRESH_GRACE_MS, TokenService } from "./token-service";
import { UserStore } from "./user-store";

const SECRET = "unit-test-secret-unit-test-secret-0123456789";
const clock = new ManualClock(new Date("2026-05-01T00:00:00Z"));
let pg: Awaited<ReturnType<typeof postgresDb>>;
let tokens: TokenService;
let users: UserStore;

beforeAll(async () => {
  pg = await postgresDb(5, { schema: AUTH_SCHEMA, migrations });
  tokens = new TokenService(pg.db, clock, { secret: SECRET, accessTtlSeconds: 900, refreshTtlDays: 30 });
  users = new UserStore(pg.db, clock);
});
afterAll(() => pg.close());

let n = 0;
const newUser = () => users.create(registerInput.parse({ email: `u${n++}@example.com`, password: "0123456789" }));

test("access tokens are HS256, 15 minutes, with subject, issuer and audience", async () => {
  const user = await newUser();
  const { accessToken, expiresIn } = tokens.signAccess(user);
  expect(expiresIn).toBe(900);
  const decoded = jwt.verify(accessToken, SECRET, { algorithms: ["HS256"], issuer: JWT_ISSUER, audience: JWT_AUDIENCE }) as jwt.JwtPayload;
  expect(decoded.sub).toBe(user.id);
  expect(decoded.exp! - decoded.iat!).toBe(900);
  expect(jwt.decode(accessToken, { complete: true })!.header.alg).toBe("HS256");
});

test("a refresh token is spent by rotation and its reuse revokes the family, successors included", async () => {
  const user = await newUser();
  const { refreshToken: t1 } = await tokens.issue(user);
  const { refreshToken: t2 } = await tokens.rotate(t1);
  const { refreshToken: t3 } = await tokens.rotate(t2);
  // Within the grace period still: t2 was used, so t1 coming back is a replay.
  await expect(tokens.rotate(t1)).rejects.toMatchObject({ type: "UNAUTHORIZED" });
  await expect(tokens.rotate(t3)).rejects.toMatchObject({ type: "UNAUTHORIZED" });
  const rows = await pg.db(`${AUTH_SCHEMA}.refresh_tokens`).where({ user_id: user.id });
  expect(rows).toHaveLength(3);
  expect(rows.every((r) => r.revoked_at !== null)).toBe(true);
  // Another login of the same user is a separate family and keeps working.
  const other = await tokens.issue(user);
  await expect(tokens.rotate(other.refreshToken)).resolves.toMatchObject({ userId: user.id });
});

test("concurrent rotations of one token (two tabs) both get the same successor, and the family lives on", async () => {
  const user = await newUser();
  const { refreshToken } = await tokens.issue(user);
  const [a, b] = await Promise.all([tokens.rotate(refreshToken), tokens.rotate(refreshToken)]);
  expect(a.refreshToken).toBe(b.refreshToken);
  expect(await pg.db(`${AUTH_SCHEMA}.refresh_tokens`).where({ user_id: user.id })).toHaveLength(2);
  await expect(tokens.rotate(a.refreshToken)).resolves.toMatchObject({ userId: user.id });
});

test("within the grace period a rotated token answers its successor; after it, reuse revokes the family", async () => {
  const user = await newUser();
  const { refreshToken: t1 } = await tokens.issue(user);
  const { refreshToken: t2 } = await tokens.rotate(t1);
  clock.advance(REFRESH_GRACE_MS);
  expect((await tokens.rotate(t1)).refreshToken).toBe(t2);
  clock.advance(1);
  await expect(tokens.rotate(t1)).rejects.toMatchObject({ type: "UNAUTHORIZED" });
  await expect(tokens.rotate(t2)).rejects.toMatchObject({ type: "UNAUTHORIZED" });
  const sealed = await pg.db(`${AUTH_SCHEMA}.refresh_tokens`).where({ user_id: user.id }).whereNotNull("successor_sealed").first();
  expect(sealed.successor_sealed).not.toContain(t2.split(".")[1]);
});

test("a logged-out family gets no grace", async () => {
  const user = await newUser();
  const { refreshToken: t1 } = await tokens.issue(user);
  await tokens.rotate(t1);
  await tokens.revokeFamilyOf(t1);
  await expect(tokens.rotate(t1)).rejects.toMatchObject({ type: "UNAUTHORIZED" });
});

test("refresh tokens expire on the injected clock, and forged ones are refused", async () => {
  const user = await newUser();
  const { refreshToken } = await tokens.issue(user);
  const [id] = refreshToken.split(".");
  await expect(tokens.rotate(`${id}.forged-secret`)).rejects.toMatchObject({ type: "UNAUTHORIZED" });
  await expect(tokens.rotate("garbage")).rejects.toMatchObject({ type: "UNAUTHORIZED" });
  clock.advance(31 * 86_400_000);
  await expect(tokens.rotate(refreshToken)).rejects.toMatchObject({ type: "UNAUTHORIZED" });
});

test("logout revokes the family; revoking an unknown token is a no-op", async () => {
  const user = await newUser();
  const { refreshToken } = await tokens.issue(user);
  await tokens.revokeFamilyOf("00000000-0000-4000-8000-000000000000.nothing");
  await tokens.revokeFamilyOf(refreshToken);
  await expect(tokens.rotate(refreshToken)).rejects.toMatchObject({ type: "UNAUTHORIZED" });
});

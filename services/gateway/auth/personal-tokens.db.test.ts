import { ManualClock } from "../../../libs/clock";
import { registerInput } from "../../../libs/contracts";
import { postgresDb } from "../../../test/support/db";
import { AUTH_SCHEMA, migrations } from "../migrations";
import { LAST_USED_RESOLUTION_MS, MAX_TOKENS_PER_USER, PersonalTokens } from "./personal-tokens";
import { UserStore } from "./user-store";

const clock = new ManualClock(new Date("2026-05-01T00:00:00Z"));
let pg: Awaited<ReturnType<typeof postgresDb>>;
let tokens: PersonalTokens;
let users: UserStore;

beforeAll(async () => {
  pg = await postgresDb(5, { schema: AUTH_SCHEMA, migrations });
  tokens = new PersonalTokens(pg.db, clock);
  users = new UserStore(pg.db, clock);
});
afterAll(() => pg.close());

let n = 0;
const newUser = () => users.create(registerInput.parse({ email: `pat${n++}@example.com`, password: "0123456789" }));
const rowOf = (id: string) => pg.db(`${AUTH_SCHEMA}.personal_tokens`).where({ id }).first();
/** lastUsedAt is written after the answer, not awaited by it. */
const settle = () => new Promise((r) => setTimeout(r, 100));

test("a token is shown once, stored only as its SHA-256, and verifies to its user and scopes", async () => {
  const user = await newUser();
  const created = await tokens.create(user.id, { name: "cli", scopes: ["tasks:read", "tasks:read"] });
  expect(created.token).toMatch(/^tg_pat_[A-Za-z0-9_-]{43}$/);
  expect(created.scopes).toEqual(["tasks:read"]);
  const row = await rowOf(created.id);
  expect(JSON.stringify(row)).not.toContain(created.token.slice(7));
  expect(await tokens.verify(created.token)).toEqual({ id: created.id, userId: user.id, scopes: ["tasks:read"] });
  expect(await tokens.verify(created.token.slice(0, -1) + (created.token.endsWith("A") ? "B" : "A"))).toBeUndefined();
  expect(await tokens.verify("tg_pat_short")).toBeUndefined();
  expect((await tokens.list(user.id)).map((t) => t.id)).toEqual([created.id]);
  expect(await tokens.list(user.id)).not.toContainEqual(expect.objectContaining({ token: expect.anything() }));
});

test("revocation is immediate and only the owner (or an admin, without a user) can revoke", async () => {
  const [owner, other] = [await newUser(), await newUser()];
  const { id, token } = await tokens.create(owner.id, { name: "x", scopes: ["tasks:write"] });
  await expect(tokens.revoke(id, other.id)).rejects.toMatchObject({ type: "NOT_FOUND" });
  expect(await tokens.verify(token)).toBeDefined();
  await tokens.revoke(id, owner.id);
  expect(await tokens.verify(token)).toBeUndefined();
  const second = await tokens.create(owner.id, { name: "y", scopes: ["tasks:write"] });
  await tokens.revoke(second.id);
  expect(await tokens.verify(second.token)).toBeUndefined();
  await expect(tokens.revoke(second.id)).rejects.toMatchObject({ type: "NOT_FOUND" });
});

test("an expired token stops verifying; an expiry in the past is refused", async () => {
  const user = await newUser();
  const at = new Date(clock.now().getTime() + 3_600_000).toISOString();
  const { token } = await tokens.create(user.id, { name: "short", scopes: ["tasks:read"], expiresAt: at });
  expect(await tokens.verify(token)).toBeDefined();
  clock.advance(3_600_000);
  expect(await tokens.verify(token)).toBeUndefined();
  await expect(tokens.create(user.id, { name: "past", scopes: ["tasks:read"], expiresAt: clock.now().toISOString() })).rejects.toMatchObject({ type: "VALIDATION" });
});

test("lastUsedAt is written at most once a minute per token", async () => {
  const user = await newUser();
  const { id, token } = await tokens.create(user.id, { name: "busy", scopes: ["tasks:read"] });
  const first = clock.now().getTime();
  await tokens.verify(token);
  await settle();
  expect((await rowOf(id)).last_used_at.getTime()).toBe(first);
  clock.advance(LAST_USED_RESOLUTION_MS - 1);
  await tokens.verify(token);
  await settle();
  expect((await rowOf(id)).last_used_at.getTime()).toBe(first);
  clock.advance(1);
  await tokens.verify(token);
  await settle();
  expect((await rowOf(id)).last_used_at.getTime()).toBe(first + LAST_USED_RESOLUTION_MS);
});

test("a user holds at most MAX_TOKENS_PER_USER tokens, even when created concurrently", async () => {
  const user = await newUser();
  const results = await Promise.allSettled(
    Array.from({ length: MAX_TOKENS_PER_USER + 5 }, (_, i) => tokens.create(user.id, { name: `t${i}`, scopes: ["tasks:read"] })),
  );
  expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(MAX_TOKENS_PER_USER);
  expect(results.filter((r) => r.status === "rejected").every((r) => (r as PromiseRejectedResult).reason.type === "CONFLICT")).toBe(true);
});

test("admins page through every user's tokens; deleting a user deletes their tokens", async () => {
  const user = await newUser();
  const { id } = await tokens.create(user.id, { name: "a", scopes: ["tasks:read"] });
  const seen: string[] = [];
  let after: { createdAt: string; id: string } | undefined;
  for (;;) {
    const page = await tokens.listAll(7, after);
    seen.push(...page.items.map((t) => t.id));
    if (!page.more) break;
    after = { createdAt: page.last!.created_at.toISOString(), id: page.last!.id };
  }
  expect(seen).toContain(id);
  expect(new Set(seen).size).toBe(seen.length);
  await pg.db(`${AUTH_SCHEMA}.users`).where({ id: user.id }).del();
  expect(await rowOf(id)).toBeUndefined();
});

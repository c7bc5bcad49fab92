import { randomUUID } from "node:crypto";
import { ManualClock } from "../../../libs/clock";
import { postgresDb } from "../../../test/support/db";
import { migrations, NOTIFY_SCHEMA } from "../migrations";
import { StreamTickets } from "./tickets";

const clock = new ManualClock(new Date("2026-06-01T09:00:00Z"));
const disabled = new Set<string>();
let pg: Awaited<ReturnType<typeof postgresDb>>;
let tickets: StreamTickets;

beforeAll(async () => {
  pg = await postgresDb(3, { schema: NOTIFY_SCHEMA, migrations });
  tickets = new StreamTickets(pg.db, clock, { perMinute: 3, isDisabled: async (id) => disabled.has(id) });
});
afterAll(() => pg.close());

test("a user takes at most the cap of tickets a minute: the next is 429 with the seconds until a slot frees", async () => {
  const user = randomUUID();
  for (let i = 0; i < 3; i++) {
    await tickets.issue(user);
    clock.advance(10_000);
  }
  await expect(tickets.issue(user)).rejects.toMatchObject({ code: 429, data: { retryAfterSeconds: 30 } });
  await tickets.issue(randomUUID());
  clock.advance(30_000);
  await expect(tickets.issue(user)).resolves.toMatchObject({ expiresIn: 60 });
});

test("a disabled account gets no ticket and cannot spend one issued before", async () => {
  const user = randomUUID();
  const { ticket } = await tickets.issue(user);
  const { ticket: kept } = await tickets.issue(user);
  disabled.add(user);
  await expect(tickets.issue(user)).rejects.toMatchObject({ code: 403 });
  expect(await tickets.redeem(ticket)).toBeUndefined();
  disabled.delete(user);
  expect(await tickets.redeem(kept)).toBe(user);
  expect(await tickets.redeem(kept)).toBeUndefined();
});

import { randomUUID } from "node:crypto";
import { projectMembershipEventSchema, type ProjectMembershipEvent } from "../../libs/contracts";
import { postgresDb } from "../../test/support/db";
import { MembershipStore } from "./memberships";
import { migrations, NOTIFY_SCHEMA } from "./migrations";

let pg: Awaited<ReturnType<typeof postgresDb>>;
let members: MembershipStore;

beforeAll(async () => {
  pg = await postgresDb(5, { schema: NOTIFY_SCHEMA, migrations });
  members = new MembershipStore(pg.db);
});
afterAll(() => pg.close());

const change = (projectId: string, userId: string, role: ProjectMembershipEvent["role"], version: number): ProjectMembershipEvent =>
  projectMembershipEventSchema.parse({ key: randomUUID(), projectId, userId, role, version });

test("a redelivered or older event never overwrites a newer one: a late grant does not undo a removal", async () => {
  const [project, user] = [randomUUID(), randomUUID()];
  expect(await members.apply(change(project, user, "viewer", 10))).toBe(true);
  expect(await members.apply(change(project, user, null, 12))).toBe(true);
  expect(await members.apply(change(project, user, "editor", 11))).toBe(false);
  expect(await members.apply(change(project, user, null, 12))).toBe(false);
  expect(await members.isMember(project, user)).toBe(false);
  // Invited again later: a member once more.
  expect(await members.apply(change(project, user, "editor", 13))).toBe(true);
  expect(await members.isMember(project, user)).toBe(true);
});

test("removal, and the removal of every member when a project is deleted, end membership of that project only", async () => {
  const [project, other, owner, member] = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
  await members.apply(change(project, owner, "owner", 20));
  await members.apply(change(project, member, "editor", 21));
  await members.apply(change(other, member, "viewer", 22));
  await members.apply(change(project, owner, null, 23));
  await members.apply(change(project, member, null, 24));
  expect(await members.isMember(project, owner)).toBe(false);
  expect(await members.isMember(project, member)).toBe(false);
  expect(await members.isMember(other, member)).toBe(true);
});

describe("the recipient check", () => {
  const [project, owner, member, removed, stranger] = [randomUUID(), randomUUID(), randomUUID(), randomUUID(), randomUUID()];
  beforeAll(async () => {
    await members.apply(change(project, owner, "owner", 30));
    await members.apply(change(project, member, "viewer", 31));
    await members.apply(change(project, removed, "editor", 32));
    await members.apply(change(project, removed, null, 33));
  });

  test("a personal task reaches its owner only", async () => {
    expect(await members.mayRead({ projectId: null, ownerId: owner, recipientId: owner })).toBe(true);
    expect(await members.mayRead({ projectId: null, ownerId: owner, recipientId: member })).toBe(false);
  });

  test("a project task reaches current members only, the owner among them", async () => {
    expect(await members.mayRead({ projectId: project, ownerId: owner, recipientId: member })).toBe(true);
    expect(await members.mayRead({ projectId: project, ownerId: owner, recipientId: owner })).toBe(true);
    expect(await members.mayRead({ projectId: project, ownerId: owner, recipientId: removed })).toBe(false);
  });

  test("unknown (an event planned before it carried the project, or a membership not heard of yet) is left to tasks", async () => {
    expect(await members.mayRead({ ownerId: owner, recipientId: owner })).toBeUndefined();
    expect(await members.mayRead({ projectId: project, ownerId: owner, recipientId: stranger })).toBeUndefined();
  });
});

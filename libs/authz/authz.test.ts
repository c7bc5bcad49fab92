import knexFactory from "knex";
import { abilityFromMeta, Action, asProject, asTask, defineAbilityFor, Membership, packAbility, rulesToSql } from "./index";

const alice = { id: "00000000-0000-4000-8000-00000000000a", roles: ["member" as const] };
const admin = { id: "00000000-0000-4000-8000-0000000000ad", roles: ["member" as const, "admin" as const] };
const P_OWN = "10000000-0000-4000-8000-000000000001";
const P_EDIT = "10000000-0000-4000-8000-000000000002";
const P_VIEW = "10000000-0000-4000-8000-000000000003";
const P_NONE = "10000000-0000-4000-8000-000000000004";
const memberships: Membership[] = [
  { projectId: P_OWN, role: "owner" },
  { projectId: P_EDIT, role: "editor" },
  { projectId: P_VIEW, role: "viewer" },
];
const knex = knexFactory({ client: "pg" });
const columns = { id: "id", ownerId: "owner_id", projectId: "project_id" };

describe("tasks", () => {
  const ability = defineAbilityFor(alice, memberships);
  const cases: [string, string | null, string, Action[], Action[]][] = [
    ["own private task", null, alice.id, ["read", "update", "delete", "complete"], []],
    ["someone's private task", null, admin.id, [], ["read", "update", "delete", "complete"]],
    ["task in a project I own", P_OWN, admin.id, ["read", "update", "delete", "complete"], []],
    ["task in a project I edit", P_EDIT, admin.id, ["read", "update", "delete", "complete"], []],
    ["task in a project I view", P_VIEW, alice.id, ["read"], ["update", "delete", "complete"]],
    ["task in a project I am not in", P_NONE, alice.id, [], ["read", "update", "delete", "complete"]],
  ];
  test.each(cases)("%s", (_name, projectId, ownerId, allowed, denied) => {
    for (const action of allowed) expect([action, ability.can(action, asTask({ ownerId, projectId }))]).toEqual([action, true]);
    for (const action of denied) expect([action, ability.can(action, asTask({ ownerId, projectId }))]).toEqual([action, false]);
  });

  test("creating in a project takes editor or owner there", () => {
    expect(ability.can("create", asTask({ ownerId: alice.id, projectId: P_EDIT }))).toBe(true);
    expect(ability.can("create", asTask({ ownerId: alice.id, projectId: P_VIEW }))).toBe(false);
    expect(ability.can("create", asTask({ ownerId: alice.id, projectId: null }))).toBe(true);
  });
});

test("moving a task out of its project: its owner or the project's owner, never just an editor", () => {
  const ability = defineAbilityFor(alice, memberships);
  expect(ability.can("move", asTask({ ownerId: admin.id, projectId: P_OWN }))).toBe(true);
  expect(ability.can("move", asTask({ ownerId: alice.id, projectId: P_EDIT }))).toBe(true);
  expect(ability.can("move", asTask({ ownerId: admin.id, projectId: P_EDIT }))).toBe(false);
  expect(ability.can("move", asTask({ ownerId: admin.id, projectId: P_VIEW }))).toBe(false);
});

test("projects: members read and leave, owners update, delete and share", () => {
  const ability = defineAbilityFor(alice, memberships);
  expect(ability.can("share", asProject(P_OWN))).toBe(true);
  expect(ability.can("share", asProject(P_EDIT))).toBe(false);
  expect(ability.can("update", asProject(P_EDIT))).toBe(false);
  expect(ability.can("read", asProject(P_VIEW))).toBe(true);
  expect(ability.can("leave", asProject(P_VIEW))).toBe(true);
  expect(ability.can("read", asProject(P_NONE))).toBe(false);
});

test("admins administer users and gain nothing over tasks", () => {
  const boss = defineAbilityFor(admin);
  expect(boss.can("administer", "User")).toBe(true);
  expect(boss.can("read", asTask({ ownerId: alice.id, projectId: null }))).toBe(false);
  expect(defineAbilityFor(alice).can("administer", "User")).toBe(false);
});

test("packed rules survive the wire and rebuild the same ability", () => {
  const ability = abilityFromMeta(JSON.parse(JSON.stringify(packAbility(alice, memberships))));
  expect(ability.can("delete", asTask({ ownerId: admin.id, projectId: P_EDIT }))).toBe(true);
  expect(ability.can("delete", asTask({ ownerId: admin.id, projectId: P_VIEW }))).toBe(false);
});

test("rules become SQL conditions on the query", () => {
  const q = rulesToSql(knex("tasks.tasks").select("*").where({ id: "t1" }), abilityFromMeta(packAbility(alice, memberships)), "read", "Task", columns);
  const { sql, bindings } = q.toSQL().toNative();
  expect(sql).toBe('select * from "tasks"."tasks" where "id" = $1 and ((("project_id" in ($2, $3, $4)) or (("owner_id" = $5) and ("project_id" is null))))');
  expect(bindings).toEqual(["t1", P_OWN, P_EDIT, P_VIEW, alice.id]);
});

test("no rule for the action means no rows can be asked for at all", () => {
  expect(() => rulesToSql(knex("auth.users"), abilityFromMeta(packAbility(alice)), "administer", "User", columns)).toThrow(/not allowed/);
});

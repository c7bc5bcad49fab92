import knexFactory from "knex";
import { abilityFromMeta, asTask, defineAbilityFor, packAbility, rulesToSql } from "./index";

const alice = { id: "00000000-0000-4000-8000-00000000000a", roles: ["member" as const] };
const admin = { id: "00000000-0000-4000-8000-0000000000ad", roles: ["member" as const, "admin" as const] };
const knex = knexFactory({ client: "pg" });
const columns = { id: "id", ownerId: "owner_id" };

test("members act on their own tasks only; admins gain user administration, not others' tasks", () => {
  const member = defineAbilityFor(alice);
  expect(member.can("update", asTask({ ownerId: alice.id }))).toBe(true);
  expect(member.can("read", asTask({ ownerId: admin.id }))).toBe(false);
  expect(member.can("administer", "User")).toBe(false);
  const boss = defineAbilityFor(admin);
  expect(boss.can("administer", "User")).toBe(true);
  expect(boss.can("read", asTask({ ownerId: alice.id }))).toBe(false);
});

test("packed rules survive the wire and rebuild the same ability", () => {
  const meta = JSON.parse(JSON.stringify(packAbility(alice)));
  const ability = abilityFromMeta(meta);
  expect(ability.can("delete", asTask({ ownerId: alice.id }))).toBe(true);
  expect(ability.can("delete", asTask({ ownerId: admin.id }))).toBe(false);
});

test("rules become SQL conditions on the query", () => {
  const q = rulesToSql(knex("tasks.tasks").select("*").where({ id: "t1" }), abilityFromMeta(packAbility(alice)), "read", "Task", columns);
  expect(q.toSQL().toNative()).toEqual({
    sql: 'select * from "tasks"."tasks" where "id" = $1 and ("owner_id" = $2)',
    bindings: ["t1", alice.id],
  });
});

test("no rule for the action means no rows can be asked for at all", () => {
  expect(() => rulesToSql(knex("auth.users"), abilityFromMeta(packAbility(alice)), "administer", "User", columns)).toThrow(/not allowed/);
});

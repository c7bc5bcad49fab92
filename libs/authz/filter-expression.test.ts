import { createMongoAbility, RawRuleOf } from "@casl/ability";
import type { AppAbility } from "./index";
import { filterLiteral, rulesToFilter } from "./filter-expression";

const ability = (rules: RawRuleOf<AppAbility>[]) => createMongoAbility<AppAbility>(rules);
const attributes = { ownerId: "ownerId", projectId: "projectId", id: "id" };

test("an owner rule becomes an equality", () => {
  expect(rulesToFilter(ability([{ action: "read", subject: "Task", conditions: { ownerId: "u1" } }]), "read", "Task", attributes)).toBe('ownerId = "u1"');
});

test("alternatives, lists and nulls: own tasks outside projects, or any task of my projects", () => {
  const rules: RawRuleOf<AppAbility>[] = [
    { action: "read", subject: "Task", conditions: { ownerId: "u1", projectId: null } },
    { action: "read", subject: "Task", conditions: { projectId: { $in: ["p1", "p2"] } } },
  ];
  const filter = rulesToFilter(ability(rules), "read", "Task", attributes);
  expect(filter).toContain('projectId IN ["p1", "p2"]');
  expect(filter).toContain('ownerId = "u1"');
  expect(filter).toContain("projectId IS NULL");
  expect(filter).toMatch(/ OR /);
});

test("no rule is forbidden; a rule without conditions constrains nothing", () => {
  expect(() => rulesToFilter(ability([]), "read", "Task", attributes)).toThrow(/not allowed/);
  expect(rulesToFilter(ability([{ action: "read", subject: "Task" }]), "read", "Task", attributes)).toBe("");
});

test("literals are quoted and escaped", () => {
  expect(filterLiteral('say "hi" \\ bye')).toBe('"say \\"hi\\" \\\\ bye"');
  expect(filterLiteral(3)).toBe("3");
});

import { packAbility } from "../../../libs/authz";
import { expandedTsquery, visibleScopes } from "./text-query";

const me = "6a1f0c9e-0000-4000-8000-000000000001";
const p1 = "6a1f0c9e-0000-4000-8000-0000000000a1";
const p2 = "6a1f0c9e-0000-4000-8000-0000000000a2";

test("the vocabulary scopes are the caller's private tasks and each project they are a member of, whatever the role", () => {
  expect(visibleScopes(packAbility({ id: me, roles: ["member"] }))).toEqual([me]);
  expect(visibleScopes(packAbility({ id: me, roles: ["member", "admin"] }, [{ projectId: p2, role: "viewer" }, { projectId: p1, role: "owner" }]))).toEqual(
    [me, p1, p2].sort(),
  );
});

test("expanded words become quoted lexemes; a word without expansions matches nothing", () => {
  expect(expandedTsquery([["land", "landing"], ["it's"]])).toBe("('land' | 'landing') & ('it''s')");
  expect(expandedTsquery([["a"], []])).toBeUndefined();
  expect(expandedTsquery([])).toBeUndefined();
});

import { PAT_SCOPES, ROUTE_SCOPES, scopesAllow } from "./token-scopes";

test("a route needs its scope; :write includes :read of the same kind only", () => {
  expect(scopesAllow(["tasks:read"], "GET", "/tasks/:id")).toBe(true);
  expect(scopesAllow(["tasks:read"], "HEAD", "/tasks/:id")).toBe(true);
  expect(scopesAllow(["tasks:read"], "PATCH", "/tasks/:id")).toBe(false);
  expect(scopesAllow(["tasks:write"], "GET", "/tasks")).toBe(true);
  expect(scopesAllow(["projects:write"], "GET", "/tasks")).toBe(false);
  expect(scopesAllow(["notifications:read"], "GET", "/notifications")).toBe(true);
});

test("routes missing from the table are out of every token's reach", () => {
  for (const path of ["/me", "/me/tokens", "/admin/users", "/admin/tokens"]) expect(scopesAllow([...PAT_SCOPES], "GET", path)).toBe(false);
  expect(scopesAllow([...PAT_SCOPES], "POST", "/me/tokens")).toBe(false);
  expect(scopesAllow([...PAT_SCOPES], "GET", undefined)).toBe(false);
});

test("every scope in the table is a known scope", () => {
  for (const scope of Object.values(ROUTE_SCOPES)) expect(PAT_SCOPES).toContain(scope);
});

import { passwordProblems } from "./password-policy";

describe("password policy (NIST SP 800-63B via zxcvbn)", () => {
  test.each(["0123456789", "password123", "qwertyuiop", "iloveyou2024", "1q2w3e4r5t6y"])("%s is refused with zxcvbn's reason", async (weak) => {
    const problems = await passwordProblems(weak, []);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.path).toBe("body.password");
    expect(problems[0]!.message).toMatch(/^is too easy to guess/);
  });

  test("short ones are refused for their length first", async () => {
    expect((await passwordProblems("Zq8#v", []))[0]!.message).toBe("must be at least 10 characters");
  });

  test("the account's own email and name count as guessable", async () => {
    expect(await passwordProblems("margaret.thatcher@example.com", [])).toEqual([]);
    expect(await passwordProblems("margaret.thatcher@example.com", ["margaret.thatcher@example.com"])).toHaveLength(1);
  });

  test.each(["Vq7#mKw2-plover-Rt9", "tangerine lamppost oxidise quokka"])("%s passes", async (strong) => {
    expect(await passwordProblems(strong, ["someone@example.com"])).toEqual([]);
  });
});

import { verificationMessage } from "./verification-message";

test("a verification code goes as the template's only parameter when one is configured, else as text", () => {
  expect(verificationMessage("042917", { name: "phone_code", language: "en" })).toEqual({
    type: "template", name: "phone_code", language: "en", parameters: ["042917"],
  });
  const text = verificationMessage("042917");
  expect(text).toMatchObject({ type: "text" });
  expect(text.type === "text" && text.body).toContain("042917");
});

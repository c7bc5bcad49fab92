import { hashPassword, verifyPassword } from "./passwords";

test("scrypt hashes carry their parameters, are salted, and verify only the right password", async () => {
  const [a, b] = await Promise.all([hashPassword("correct horse battery"), hashPassword("correct horse battery")]);
  expect(a).toMatch(/^scrypt\$131072\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
  expect(a).not.toBe(b);
  expect(await verifyPassword("correct horse battery", a)).toBe(true);
  expect(await verifyPassword("correct horse batterY", a)).toBe(false);
  expect(await verifyPassword("correct horse battery", "md5$abc")).toBe(false);
});

import { isForbiddenAddress, resolveTarget } from "./ssrf";

test.each([
  "10.1.2.3", "127.0.0.1", "169.254.169.254", "172.16.0.1", "192.168.1.1", "100.64.0.1", "0.0.0.0", "224.0.0.1", "255.255.255.255",
  "::1", "::", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1", "::ffff:127.0.0.1", "::ffff:7f00:1", "64:ff9b::a00:1", "2002:a00:1::1",
])("%s is refused", (address) => {
  expect(isForbiddenAddress(address)).toBe(true);
});

test.each(["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:8.8.8.8"])("%s is allowed", (address) => {
  expect(isForbiddenAddress(address)).toBe(false);
});

test("a host is refused when any of its addresses is private, and allowed when the allow-list names it", async () => {
  const resolve = async () => [
    { address: "93.184.216.34", family: 4 },
    { address: "10.0.0.5", family: 4 },
  ];
  await expect(resolveTarget("https://rebind.example/hook", [], resolve)).rejects.toThrow(/10\.0\.0\.5/);
  await expect(resolveTarget("https://rebind.example/hook", ["rebind.example"], resolve)).resolves.toEqual({ address: "93.184.216.34", family: 4 });
});

test("literals, brackets, schemes and credentials", async () => {
  await expect(resolveTarget("http://[::1]:8080/", [])).rejects.toThrow(/::1/);
  await expect(resolveTarget("http://[::1]:8080/", ["::1"])).resolves.toEqual({ address: "::1", family: 6 });
  await expect(resolveTarget("ftp://example.com/", [])).rejects.toThrow(/http/);
  await expect(resolveTarget("http://user:pw@93.184.216.34/", [])).rejects.toThrow(/credentials/);
  await expect(resolveTarget("http://93.184.216.34/", [])).resolves.toEqual({ address: "93.184.216.34", family: 4 });
});

import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadConfig, SERVICE_NAMES } from "./index";

const dataDir = () => mkdtempSync(path.join(tmpdir(), "todogenie-config-"));

test("embedded defaults: all services, a generated secret kept in DATA_DIR", () => {
  const dir = dataDir();
  const first = loadConfig({ DATA_DIR: dir });
  expect(first).toMatchObject({ mode: "embedded", port: 3000, services: [...SERVICE_NAMES], accessTokenTtlSeconds: 900 });
  expect(first.jwtSecret.length).toBeGreaterThanOrEqual(32);
  expect(loadConfig({ DATA_DIR: dir }).jwtSecret).toBe(first.jwtSecret);
  const file = path.join(dir, "jwt-secret");
  expect(readFileSync(file, "utf8").trim()).toBe(first.jwtSecret);
  expect(statSync(file).mode & 0o777).toBe(0o600);
});

import { readFileSync } from "node:fs";
import { DEPLOYMENT, ProcessSpec, variablesOf } from "../../deploy/services";
import { distributedProcessEnv, TEST_ONLY_ENV } from "../support/stack";

/** Every setting and secret any process declares, each with a placeholder value. */
const EVERY_VALUE = Object.fromEntries(DEPLOYMENT.flatMap((p) => [...p.settings, ...p.secrets]).map((name) => [name, "x"]));

/**
 * The variables the distributed e2e suite starts this process with, but for those only tests
 * set (random ports, no drain delay): what compose and Kubernetes must give its container.
 */
export function suiteVariables(spec: ProcessSpec): string[] {
  const env = distributedProcessEnv(spec, EVERY_VALUE);
  return Object.keys(env)
    .filter((name) => !(name in TEST_ONLY_ENV))
    .sort();
}

/** The NAME=value lines of an env file (.env.example, secrets.env.example), comments apart. */
export function readEnvFile(file: string): Record<string, string> {
  return Object.fromEntries(
    readFileSync(file, "utf8")
      .split("\n")
      .filter((l) => /^[A-Z_]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
}

export { DEPLOYMENT, variablesOf };

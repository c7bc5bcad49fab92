import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { ROOT } from "../support/stack";

/** The Dockerfile's instructions by stage (continuation lines joined, comments dropped). */
function stages(): { from: string; name?: string; lines: string[] }[] {
  const text = readFileSync(path.join(ROOT, "Dockerfile"), "utf8").replace(/\\\n\s*/g, "");
  const result: { from: string; name?: string; lines: string[] }[] = [];
  for (const line of text.split("\n").map((l) => l.trim())) {
    if (!line || line.startsWith("#")) continue;
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) result.push({ from: from[1], name: from[2], lines: [] });
    else result.at(-1)?.lines.push(line);
  }
  return result;
}

const all = stages();
const final = all.at(-1)!;
const instruction = (name: string) => final.lines.filter((l) => l.startsWith(`${name} `)).map((l) => l.slice(name.length + 1).trim());
const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8"));

test("is multi-stage on Node 22 slim: a build, production dependencies, and a runtime", () => {
  const dockerfile = readFileSync(path.join(ROOT, "Dockerfile"), "utf8");
  expect(dockerfile).toMatch(/^ARG NODE_IMAGE=node:22-[a-z]+-slim$/m);
  expect(all.map((s) => s.from)).toEqual(["${NODE_IMAGE}", "${NODE_IMAGE}", "${NODE_IMAGE}"]);
  const build = all.find((s) => s.lines.some((l) => l.startsWith("RUN npm run build")))!;
  const deps = all.find((s) => s.lines.some((l) => /^RUN npm ci --omit=dev\b/.test(l)))!;
  expect(instruction("COPY")).toEqual(
    expect.arrayContaining([
      `--from=${deps.name} /app/node_modules ./node_modules`,
      `--from=${build.name} /app/dist ./dist`,
      `--from=${build.name} /app/web/dist ./web/dist`,
    ]),
  );
  // The build stage copies what tsconfig.build.json compiles.
  const included: string[] = parse(readFileSync(path.join(ROOT, "tsconfig.build.json"), "utf8")).include;
  for (const dir of included) expect(build.lines).toContain(`COPY ${dir} ./${dir}`);
});

test("runs the compiled entry point (npm run start:prod) as a numeric non-root user, with a HEALTHCHECK", () => {
  expect(instruction("USER")).toEqual(["1000:1000"]);
  expect(JSON.parse(instruction("CMD")[0]).join(" ")).toBe(pkg.scripts["start:prod"]);
  const [healthcheck] = instruction("HEALTHCHECK");
  const command = JSON.parse(healthcheck.slice(healthcheck.indexOf("CMD ") + 4));
  expect(command).toEqual(["node", "dist/src/healthcheck.js"]);
  const compose = parse(readFileSync(path.join(ROOT, "docker-compose.yml"), "utf8"), { merge: true });
  expect(compose.services.gateway.healthcheck.test).toEqual(["CMD", ...command]);
});

test("the build context leaves out secrets, dependencies and build output", () => {
  const ignored = readFileSync(path.join(ROOT, ".dockerignore"), "utf8").split("\n");
  expect(ignored).toEqual(expect.arrayContaining([".env", ".env.*", "node_modules", "dist", ".git"]));
});

test("tsx runs `npm start` in development only: the image's dependencies do not include it", () => {
  expect(pkg.scripts.start).toBe("tsx src/main.ts");
  expect(pkg.dependencies.tsx).toBeUndefined();
  expect(pkg.devDependencies.tsx).toBeDefined();
});

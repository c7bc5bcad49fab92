// `npm start` runs this first: it builds the web client only when a source is newer than
// web/dist, so a start with an up-to-date build costs a few file stats, not a build.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const web = path.dirname(fileURLToPath(import.meta.url));
const root = path.dirname(web);
const built = path.join(web, "dist", "index.html");
// The client bundles the pure recurrence modules from libs/recurrence.
const sources = [path.join(web, "index.html"), path.join(web, "vite.config.mts"), path.join(web, "src"), path.join(web, "public"), path.join(root, "libs", "recurrence"), path.join(root, "package-lock.json")];

function newest(file) {
  if (!existsSync(file)) return 0;
  const stat = statSync(file);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(0, ...readdirSync(file).map((name) => newest(path.join(file, name))));
}

const builtAt = existsSync(built) ? statSync(built).mtimeMs : -1;
if (builtAt >= Math.max(...sources.map(newest))) process.exit(0);

const vite = path.join(root, "node_modules", "vite", "bin", "vite.js");
if (!existsSync(vite)) {
  console.warn(builtAt < 0 ? "web client not built and vite is not installed (npm install): the API starts without it" : "web client may be stale; vite is not installed to rebuild it");
  process.exit(0);
}
const result = spawnSync(process.execPath, [vite, "build", web, "--logLevel", "warn"], { stdio: "inherit", cwd: root });
process.exit(result.status ?? 1);

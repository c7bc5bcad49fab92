/**
 * Where a process's CPU went, from a V8 `.cpuprofile` (node --cpu-prof): self time by function
 * and by package, heaviest first.
 *
 *   npx tsx bench/profile-top.ts /tmp/prof/CPU.*.cpuprofile [--top 30]
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const topAt = process.argv.indexOf("--top");
const top = topAt >= 0 ? Number(process.argv[topAt + 1]) : 30;
const files = process.argv.slice(2).filter((a, i, all) => a !== "--top" && all[i - 1] !== "--top");

/** node_modules/<package> (scoped too), node:internal, or our own folder. */
function packageOf(url: string): string {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1]!;
  if (url.startsWith("node:")) return "node:" + (url.split("/")[1] ?? url);
  if (!url) return "(native/gc/idle)";
  const own = /\/((?:libs|services|src|bench)\/[^/]+)/.exec(url);
  return own ? own[1]! : url;
}

for (const file of files) {
  const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const fns = new Map<string, number>();
  const pkgs = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === "(idle)") {
      idle += us;
      continue;
    }
    total += us;
    const short = url.replace(/^.*node_modules\//, "").replace(/^file:\/\/.*?\/(libs|services|src|bench)\//, "$1/");
    const key = `${functionName || "(anonymous)"}  ${short}:${lineNumber + 1}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
    const pkg = packageOf(url) + (functionName.startsWith("(") ? ` ${functionName}` : "");
    pkgs.set(pkg, (pkgs.get(pkg) ?? 0) + us);
  }
  const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)} %`;
  process.stdout.write(`\n== ${file}: ${(total / 1e6).toFixed(1)} s busy, ${(idle / 1e6).toFixed(1)} s idle\n-- by package\n`);
  for (const [k, us] of [...pkgs].sort((a, b) => b[1] - a[1]).slice(0, 20)) process.stdout.write(`${pct(us)}  ${k}\n`);
  process.stdout.write("-- by function (self)\n");
  for (const [k, us] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, top)) process.stdout.write(`${pct(us)}  ${k}\n`);
}

/**
 * How long reading a quick-add phrase takes (the pure parse, no I/O), over the corpus and
 * over hostile 1000-character inputs. `npx tsx bench/quick-add.ts`
 */
import { CORPUS, CORPUS_NOW, CORPUS_ZONE } from "../services/tasks/quick-add/corpus";
import { parseQuickAdd } from "../services/tasks/quick-add";

function time(label: string, phrases: string[], rounds: number): void {
  const read = (p: string) => (p.startsWith("de:") ? parseQuickAdd(p.slice(3), { locale: "de", timezone: CORPUS_ZONE, now: CORPUS_NOW }) : parseQuickAdd(p, { locale: "en", timezone: CORPUS_ZONE, now: CORPUS_NOW }));
  phrases.forEach(read); // warm up
  const each: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const p of phrases) {
      const start = process.hrtime.bigint();
      read(p);
      each.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
  }
  each.sort((a, b) => a - b);
  const at = (q: number) => each[Math.min(each.length - 1, Math.floor(q * each.length))]!.toFixed(2);
  console.log(`${label}: ${each.length} parses, p50 ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${at(1)} ms`);
}

time("corpus (217 phrases)", CORPUS.map((r) => r[0]), 5);
time("hostile, 1000 characters", [
  "every ".repeat(166), "every mon, ".repeat(90), "#a ".repeat(333), "@".repeat(1000), '+"'.repeat(500), "1st and ".repeat(125),
  "remind me 1 min before ".repeat(43), "tomorrow 5pm ".repeat(76), "de:jeden Montag und ".repeat(50), "x".repeat(1000),
].map((t) => t.slice(0, 1000)), 5);

import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { clusterStart } from "./prepared-cluster";

let dir: string;
let file: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "todogenie-prepared-"));
  file = path.join(dir, "cache", "cluster.tar");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A PGlite on a data directory of its own, started the way openDatabase starts it. */
async function open(name: string): Promise<{ pglite: PGlite; loaded: boolean }> {
  const dataPath = path.join(dir, name);
  mkdirSync(dataPath, { recursive: true });
  const start = clusterStart(dataPath, file);
  const pglite = new PGlite(dataPath, start.loadDataDir && { loadDataDir: start.loadDataDir });
  start.attach(pglite);
  await pglite.waitReady;
  return { pglite, loaded: start.loadDataDir !== undefined };
}

test("the first new cluster is kept; the next fresh data directory starts from it, and keeps what it writes", async () => {
  const first = await open("first");
  expect(first.loaded).toBe(false);
  expect(statSync(file).size).toBeGreaterThan(1_000_000);
  await first.pglite.query("create table mine (n int)"); // after the dump: not in the kept cluster
  await first.pglite.close();

  const second = await open("second");
  expect(second.loaded).toBe(true);
  expect((await second.pglite.query("select to_regclass('mine') as t")).rows).toEqual([{ t: null }]);
  await second.pglite.query("create table notes (body text)");
  await second.pglite.query("insert into notes values ('kept')");
  await second.pglite.close();

  // Its data directory is a cluster of its own now: opened again, it is not loaded from the file.
  const again = await open("second");
  expect(again.loaded).toBe(false);
  expect((await again.pglite.query("select body from notes")).rows).toEqual([{ body: "kept" }]);
  await again.pglite.close();
  // Four PGlite starts, one of them initdb: 6 s on a quiet box, over 30 s in a loaded CI run.
}, 180_000);

test("a damaged prepared cluster fails that start and is removed, so the next start runs initdb", async () => {
  writeFileSync(file, "not a tar of a cluster");
  await expect(open("damaged")).rejects.toThrow();
  expect(existsSync(file)).toBe(false);
});

import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { PGlite } from "@electric-sql/pglite";

/**
 * PGlite makes a new cluster by running initdb in WebAssembly: 3–5 s, most of an embedded start
 * on a fresh DATA_DIR (issue 14). A new cluster is the same for a given PGlite, so the first one
 * made is kept, as a tar of its data directory (PGlite's own dumpDataDir, what its clone() uses),
 * and later fresh clusters start from it (loadDataDir) in about a fifth of the time. It is kept
 * beside the installed package, in node_modules/.cache, so an upgrade of PGlite makes a new one.
 */
// The package exports no package.json; its main file is dist/index.cjs.
const PGLITE_DIR = path.resolve(path.dirname(require.resolve("@electric-sql/pglite")), "..");
export const PGLITE_VERSION = (JSON.parse(readFileSync(path.join(PGLITE_DIR, "package.json"), "utf8")) as { version: string }).version;
export const PREPARED_CLUSTER = path.join(PGLITE_DIR, "../../.cache/todogenie", `pglite-${PGLITE_VERSION}-cluster.tar`);

export interface ClusterStart {
  /** PGlite's option: the prepared cluster, when there is one and the data directory holds none yet. */
  loadDataDir?: Blob;
  /** After the cluster is ready: keeps a new one, or forgets a prepared one that failed to start. */
  attach(pglite: PGlite): void;
}

/** How a PGlite on `dataPath` (undefined: in memory) starts: from the prepared cluster if it can. */
export function clusterStart(dataPath: string | undefined, file = PREPARED_CLUSTER): ClusterStart {
  const fresh = !dataPath || !existsSync(path.join(dataPath, "PG_VERSION"));
  if (!fresh) return { attach: () => undefined };
  if (existsSync(file)) {
    return {
      loadDataDir: new Blob([readFileSync(file)]),
      attach: (pglite) =>
        whenReady(pglite, (ready) =>
          ready.catch((err: unknown) => {
            // A damaged file would fail every fresh start; without it the next one runs initdb.
            rmSync(file, { force: true });
            throw err;
          }),
        ),
    };
  }
  return {
    attach: (pglite) =>
      whenReady(pglite, async (ready) => {
        await ready;
        // Dumped before any statement of ours runs: knex waits for waitReady before its first.
        await keep(pglite, file).catch(() => undefined); // a read-only install: initdb every time, as before
      }),
  };
}

/** Replaces PGlite's readiness promise with one that also covers `then`'s work. */
function whenReady(pglite: PGlite, then: (ready: Promise<void>) => Promise<void>): void {
  const writable = pglite as unknown as { waitReady: Promise<void> };
  writable.waitReady = then(writable.waitReady);
}

async function keep(pglite: PGlite, file: string): Promise<void> {
  const tar = await pglite.dumpDataDir("none");
  mkdirSync(path.dirname(file), { recursive: true });
  // Whole or not at all: a process starting meanwhile sees no file, or all of it.
  const partial = `${file}.${process.pid}.partial`;
  writeFileSync(partial, Buffer.from(await tar.arrayBuffer()));
  renameSync(partial, file);
}

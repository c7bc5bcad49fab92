import { cpSync, existsSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import { Db, openDatabase } from "./index";
import { PGLITE_VERSION, PREPARED_CLUSTER } from "./prepared-cluster";

/** Every schema's migrations, and a key that changes whenever any of them does. */
export interface Schemas {
  key: string;
  migrate(db: Db): Promise<void>;
}

/** The prepared cluster with every migration applied, for `schemas.key`: a data directory to copy. */
export const migratedClusterDir = (key: string, cacheDir = path.dirname(PREPARED_CLUSTER)) =>
  path.join(cacheDir, `pglite-${PGLITE_VERSION}-migrated-${key.slice(0, 16)}`);

/**
 * Readies a fresh embedded DATA_DIR with every schema migrated. Loading the prepared cluster
 * (PGlite untars it into the directory) took 2–2.5 s of a 6–8 s start and the migrations 1.3 s
 * more, while copying a closed cluster directory and opening it takes a fraction of that
 * (issue 14). So the first fresh start migrates its own directory before the services start,
 * closes it and keeps a copy; later fresh starts copy that. A data directory that holds a
 * cluster already is left alone, and the services still migrate at their start as always: with
 * the copy they find nothing to do. The copy holds schemas only (migrations write no rows).
 */
export async function prepareDataDir(dataDir: string, schemas: Schemas, cacheDir?: string): Promise<"existing" | "copied" | "migrated"> {
  const dataPath = path.join(dataDir, "pgdata");
  if (existsSync(path.join(dataPath, "PG_VERSION"))) return "existing";
  const image = migratedClusterDir(schemas.key, cacheDir);
  if (existsSync(path.join(image, "PG_VERSION"))) {
    // Copied beside and renamed: a copy cut short (a full disk, a kill) leaves no half cluster
    // that the next start would take for one in use.
    const partial = `${dataPath}.partial`;
    rmSync(partial, { recursive: true, force: true });
    cpSync(image, partial, { recursive: true });
    rmSync(dataPath, { recursive: true, force: true });
    renameSync(partial, dataPath);
    return "copied";
  }
  const db = openDatabase({ dataDir });
  try {
    await schemas.migrate(db);
  } finally {
    await db.destroy(); // a clean shutdown: the directory is a closed cluster, safe to copy
  }
  // Whole or not at all, as the tar: a process starting meanwhile sees no directory, or all of it.
  const partial = `${image}.${process.pid}.partial`;
  try {
    rmSync(partial, { recursive: true, force: true });
    cpSync(dataPath, partial, { recursive: true });
    renameSync(partial, image);
  } catch {
    rmSync(partial, { recursive: true, force: true }); // read-only install, or another process won the rename
  }
  return "migrated";
}

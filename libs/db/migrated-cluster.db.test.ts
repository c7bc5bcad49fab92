import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { openDatabase } from "./index";
import { migrateSchema } from "./migrate";
import { migratedClusterDir, prepareDataDir, type Schemas } from "./migrated-cluster";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "todogenie-migrated-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const schemas = (key: string, ran: string[]): Schemas => ({
  key,
  migrate: (db) =>
    migrateSchema(db, "demo", [
      {
        name: "0001_notes",
        up: async (k) => {
          ran.push(key);
          await k.schema.withSchema("demo").createTable("notes", (t) => t.text("body"));
        },
      },
    ]),
});

async function tables(dataDir: string): Promise<{ notes: boolean; migrations: number }> {
  const db = openDatabase({ dataDir });
  try {
    const { rows } = await db.raw("select to_regclass('demo.notes') is not null as notes, (select count(*) from demo.knex_migrations) as migrations");
    return rows[0];
  } finally {
    await db.destroy();
  }
}

test("the first fresh data directory is migrated and kept; the next is a copy, already migrated; one in use is left alone", async () => {
  const cache = path.join(dir, "cache");
  const ran: string[] = [];
  const first = path.join(dir, "first");
  expect(await prepareDataDir(first, schemas("key-one-0123456789", ran), cache)).toBe("migrated");
  expect(existsSync(path.join(migratedClusterDir("key-one-0123456789", cache), "PG_VERSION"))).toBe(true);

  const second = path.join(dir, "second");
  expect(await prepareDataDir(second, schemas("key-one-0123456789", ran), cache)).toBe("copied");
  expect(ran).toEqual(["key-one-0123456789"]); // the copy ran no migration
  expect(await tables(second)).toEqual({ notes: true, migrations: 1 });

  // What a running install wrote stays: its directory is never replaced.
  const db = openDatabase({ dataDir: second });
  await db.raw("insert into demo.notes values ('mine')");
  await db.destroy();
  expect(await prepareDataDir(second, schemas("key-one-0123456789", ran), cache)).toBe("existing");
  const again = openDatabase({ dataDir: second });
  expect((await again.raw("select body from demo.notes")).rows).toEqual([{ body: "mine" }]);
  await again.destroy();

  // A copy cut short left only its partial directory: the next start copies again.
  const cut = path.join(dir, "cut");
  mkdirSync(path.join(cut, "pgdata.partial"), { recursive: true });
  writeFileSync(path.join(cut, "pgdata.partial", "PG_VERSION"), "17\n");
  expect(await prepareDataDir(cut, schemas("key-one-0123456789", ran), cache)).toBe("copied");
  expect(existsSync(path.join(cut, "pgdata.partial"))).toBe(false);
  expect(await tables(cut)).toEqual({ notes: true, migrations: 1 });

  // Changed migrations: a new key, migrated anew rather than copied from the old one.
  expect(await prepareDataDir(path.join(dir, "third"), schemas("key-two-0123456789", ran), cache)).toBe("migrated");
  expect(ran).toEqual(["key-one-0123456789", "key-two-0123456789"]);
  // Eight PGlite starts: over a minute in a loaded CI run.
}, 240_000);

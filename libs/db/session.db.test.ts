import { openDatabase } from ".";
import { POSTGRES_URL } from "../../test/support/stack";

test("every Postgres session of ours runs without synchronized sequential scans, under our application name", async () => {
  const db = openDatabase({ databaseUrl: POSTGRES_URL, poolSize: 1 });
  try {
    const { rows } = await db.raw("select current_setting('synchronize_seqscans') as sync, current_setting('application_name') as app");
    expect(rows[0]).toEqual({ sync: "off", app: "todogenie" });
  } finally {
    await db.destroy();
  }
});

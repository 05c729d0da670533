import mysql from "mysql2/promise";
import { Client } from "pg";
import {
  lockDatabase,
  mysqlLockName,
  mysqlTestDatabase,
  MYSQL_SERVER_URL,
  postgresLockKey,
  postgresTestDatabase,
  POSTGRES_SERVER_URL,
  type Engine,
} from "./databases";

/**
 * Two test runs of one file (a CI clone next to `npx jest` in the working copy) share the server and the name: the
 * second waits until the first is done with the database, instead of dropping it under the first one's tests.
 */
async function expectSecondRunWaits(engine: Engine, server: string): Promise<void> {
  const name = "cdc_support_lock_other";
  const warn = jest.spyOn(console, "warn").mockImplementation(() => undefined);
  const first = await lockDatabase(engine, server, name);
  let second: Awaited<ReturnType<typeof lockDatabase>> | undefined;
  try {
    const waiting = lockDatabase(engine, server, name).then((l) => (second = l));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(second).toBeUndefined();
    expect(warn).toHaveBeenCalledWith(`${engine} test database ${name}: another test run is using it; waiting for it to finish`);
    await first.release();
    await waiting;
    expect(second).toBeDefined();
  } finally {
    warn.mockRestore();
    if (second) await second.release();
    else await first.release().catch(() => undefined);
  }
}

const my = mysqlTestDatabase("cdc_support_probe");
my.describe("a MariaDB scratch database", () => {
  it("exists, empty, for the file's tests", async () => {
    const c = await mysql.createConnection({ uri: my.url() });
    const [rows] = await c.query(
      "SELECT DATABASE() AS db, (SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE()) AS n",
    );
    await c.end();
    expect(rows).toEqual([{ db: "cdc_support_probe", n: 0 }]);
  });

  it("is locked for the block: another test run cannot take it meanwhile", async () => {
    const c = await mysql.createConnection({ uri: MYSQL_SERVER_URL });
    const [rows] = await c.query("SELECT GET_LOCK(?, 0) AS got", [mysqlLockName("cdc_support_probe")]);
    await c.end();
    expect(rows).toEqual([{ got: 0 }]);
  });

  it("a second run waits for the lock until the first releases it", () => expectSecondRunWaits("mysql", MYSQL_SERVER_URL));
});

const pg = postgresTestDatabase("cdc_support_probe");
pg.describe("a PostgreSQL scratch database", () => {
  it("exists for the file's tests", async () => {
    const c = new Client({ connectionString: pg.url() });
    await c.connect();
    const r = await c.query("SELECT current_database() AS db");
    await c.end();
    expect(r.rows).toEqual([{ db: "cdc_support_probe" }]);
  });

  it("is locked for the block: another test run cannot take it meanwhile", async () => {
    const c = new Client({ connectionString: POSTGRES_SERVER_URL });
    await c.connect();
    const r = await c.query("SELECT pg_try_advisory_lock($1::bigint) AS got", [postgresLockKey("cdc_support_probe")]);
    await c.end();
    expect(r.rows).toEqual([{ got: false }]);
  });

  it("a second run waits for the lock until the first releases it", () => expectSecondRunWaits("postgres", POSTGRES_SERVER_URL));
});

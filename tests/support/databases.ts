/**
 * Real MariaDB and PostgreSQL for integration tests (DESIGN §8). Each test file asks for its own scratch database so
 * files can run in parallel. Under CI (`CI=true`) an unreachable server fails the test; elsewhere the suite is skipped
 * with a message saying why and how to run it (see global-setup.js).
 *
 * Separate test runs share the server and the names: a fresh clone's `.ci/run` next to `npx jest` in the working
 * copy, or two runs at once. So a describe block holds a lock on the server, named after its database, from before it
 * creates the database until it has dropped it: a second run of the same file waits for it instead of dropping the
 * database under the first one's tests (which then fail on tables that vanished or rows of the other run). The lock
 * belongs to a connection of its own, so a run that dies releases it with its connection.
 *
 *   const mysql = mysqlTestDatabase("cdc_apply_props");   // in a describe block
 *   mysql.describe("MySQL executor", () => { it(..., async () => { const url = mysql.url(); ... }) });
 */
import { createHash } from "node:crypto";
import mysql from "mysql2/promise";
import { Client } from "pg";

export const MYSQL_SERVER_URL = process.env.CDC_TEST_MYSQL_URL ?? "mysql://root@127.0.0.1:3306";
export const POSTGRES_SERVER_URL = process.env.CDC_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export type Engine = "mysql" | "postgres";

export interface TestDatabase {
  /** Connection URL of the scratch database (valid inside tests of the describe block). */
  url(): string;
  /** `describe` that runs its tests against the scratch database, created fresh before and dropped after. */
  describe(name: string, body: () => void): void;
}

function testDatabase(engine: Engine, name: string): TestDatabase {
  if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new Error(`test database name ${name}: use lower_snake_case`);
  if (mysqlLockName(name).length > 64) throw new Error(`test database name ${name}: too long for its lock's name`);
  const server = engine === "mysql" ? MYSQL_SERVER_URL : POSTGRES_SERVER_URL;
  const dbUrl = engine === "mysql" ? `${server.replace(/\/+$/, "")}/${name}` : server.replace(/\/[^/]*$/, `/${name}`);
  return {
    url: () => dbUrl,
    describe(title, body) {
      // Probed once per run by tests/support/global-setup.js; empty when the server answered.
      const unavailable = process.env[engine === "mysql" ? "CDC_TEST_MYSQL_UNAVAILABLE" : "CDC_TEST_PG_UNAVAILABLE"];
      if (unavailable) {
        console.warn(
          `skipping "${title}": ${engine} at ${server} is unreachable (${unavailable}); start it or set CDC_TEST_${engine === "mysql" ? "MYSQL" : "PG"}_URL`,
        );
      }
      (unavailable ? describe.skip : describe)(title, () => {
        let lock: DatabaseLock | undefined;
        beforeAll(async () => {
          lock = await lockDatabase(engine, server, name);
          await recreate(engine, server, name);
        }, LOCK_WAIT_MS + 60_000);
        afterAll(async () => {
          try {
            await drop(engine, server, name);
          } finally {
            await lock?.release();
          }
        });
        body();
      });
    },
  };
}

/** How long a run waits for another run to finish with a database (the longest describe blocks take minutes). */
export const LOCK_WAIT_MS = 15 * 60_000;

/** The server-wide lock a describe block holds while it uses database `name`. */
export interface DatabaseLock {
  release(): Promise<void>;
}

/** MariaDB's name of the lock of database `name` (user-level lock names are server-wide, at most 64 characters). */
export function mysqlLockName(name: string): string {
  return `cdc_test_database:${name}`;
}

/** PostgreSQL's advisory lock key of database `name`: a signed 64-bit number from the name's hash. */
export function postgresLockKey(name: string): string {
  return createHash("sha256").update(`cdc_test_database:${name}`).digest().readBigInt64BE(0).toString();
}

/**
 * Takes the lock of database `name` on its own connection, waiting (up to {@link LOCK_WAIT_MS}) while another test run
 * holds it. Released by `release()`, or by the server when the connection goes.
 */
export async function lockDatabase(engine: Engine, server: string, name: string): Promise<DatabaseLock> {
  let tryLock: () => Promise<boolean>;
  let close: () => Promise<void>;
  if (engine === "mysql") {
    const c = await mysql.createConnection({ uri: server });
    // Idle for the whole block: a server that drops it only releases the lock, it must not crash the test process.
    c.on("error", () => undefined);
    tryLock = async () => {
      const [rows] = await c.query("SELECT GET_LOCK(?, 0) AS got", [mysqlLockName(name)]);
      return Number((rows as Array<{ got: unknown }>)[0].got) === 1;
    };
    close = () => c.end();
  } else {
    const c = new Client({ connectionString: server });
    c.on("error", () => undefined);
    await c.connect();
    tryLock = async () =>
      (await c.query("SELECT pg_try_advisory_lock($1::bigint) AS got", [postgresLockKey(name)])).rows[0].got === true;
    close = () => c.end();
  }
  try {
    const deadline = Date.now() + LOCK_WAIT_MS;
    let warned = false;
    while (!(await tryLock())) {
      if (Date.now() > deadline)
        throw new Error(`${engine} test database ${name}: another test run held it for ${LOCK_WAIT_MS / 60_000} minutes`);
      if (!warned) console.warn(`${engine} test database ${name}: another test run is using it; waiting for it to finish`);
      warned = true;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  } catch (err) {
    await close().catch(() => undefined);
    throw err;
  }
  return { release: close };
}

async function recreate(engine: Engine, server: string, name: string): Promise<void> {
  if (engine === "mysql") {
    const c = await mysql.createConnection({ uri: server });
    await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await c.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`);
    await c.end();
  } else {
    const c = new Client({ connectionString: server });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await c.query(`CREATE DATABASE "${name}"`);
    await c.end();
  }
}

async function drop(engine: Engine, server: string, name: string): Promise<void> {
  if (engine === "mysql") {
    const c = await mysql.createConnection({ uri: server });
    await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await c.end();
  } else {
    const c = new Client({ connectionString: server });
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await c.end();
  }
}

export const mysqlTestDatabase = (name: string) => testDatabase("mysql", name);
export const postgresTestDatabase = (name: string) => testDatabase("postgres", name);

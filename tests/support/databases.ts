/**
 * Real MariaDB and PostgreSQL for integration tests (DESIGN §8). Each test file asks for its own scratch database so
 * files can run in parallel. Under CI (`CI=true`) an unreachable server fails the test; elsewhere the suite is skipped
 * with a message saying why and how to run it (see global-setup.js).
 *
 *   const mysql = mysqlTestDatabase("cdc_apply_props");   // in a describe block
 *   mysql.describe("MySQL executor", () => { it(..., async () => { const url = mysql.url(); ... }) });
 */
import mysql from "mysql2/promise";
import { Client } from "pg";

export const MYSQL_SERVER_URL = process.env.CDC_TEST_MYSQL_URL ?? "mysql://root@127.0.0.1:3306";
export const POSTGRES_SERVER_URL = process.env.CDC_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

type Engine = "mysql" | "postgres";

export interface TestDatabase {
  /** Connection URL of the scratch database (valid inside tests of the describe block). */
  url(): string;
  /** `describe` that runs its tests against the scratch database, created fresh before and dropped after. */
  describe(name: string, body: () => void): void;
}

function testDatabase(engine: Engine, name: string): TestDatabase {
  if (!/^[a-z][a-z0-9_]*$/.test(name)) throw new Error(`test database name ${name}: use lower_snake_case`);
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
        beforeAll(() => recreate(engine, server, name));
        afterAll(() => drop(engine, server, name));
        body();
      });
    },
  };
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

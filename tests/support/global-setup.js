// Probes the local MariaDB and PostgreSQL, and the local Glue environment (the venv moto runs from), once per run. Test
// workers inherit the result through the environment, so those suites can be skipped (with the reason) outside CI
// instead of failing; under CI=true a missing one fails the run at once.
const mysql = require("mysql2/promise");
const { Client } = require("pg");
const { glueEnvProblem } = require("../../src/local/glue-env/paths");

const MYSQL = process.env.CDC_TEST_MYSQL_URL || "mysql://root@127.0.0.1:3306";
const PG = process.env.CDC_TEST_PG_URL || "postgres://postgres@127.0.0.1:5432/postgres";

async function probe(connect) {
  try {
    await connect();
    return "";
  } catch (err) {
    return err.message || String(err);
  }
}

module.exports = async () => {
  const problems = {
    CDC_TEST_MYSQL_UNAVAILABLE: await probe(async () =>
      (await mysql.createConnection({ uri: MYSQL, connectTimeout: 3000 })).end(),
    ),
    CDC_TEST_PG_UNAVAILABLE: await probe(async () => {
      const c = new Client({ connectionString: PG, connectionTimeoutMillis: 3000 });
      await c.connect();
      await c.end();
    }),
    CDC_TEST_GLUE_ENV_UNAVAILABLE: glueEnvProblem(),
  };
  for (const [key, reason] of Object.entries(problems)) {
    if (reason && process.env.CI === "true") throw new Error(`${key}: the integration tests need it under CI: ${reason}`);
    process.env[key] = reason;
  }
};

/**
 * The poller's failure handling end to end on the production path, in one Spark session: the scenarios of
 * poll-isolation-scenario.ts and poll-run-failure-scenario.ts with the Glue job's own code (handlers/glue/apply_changes.py
 * `run_manifest`) on local Spark 3.5.4 + Iceberg 1.7.1, applying to MariaDB over Connector/J, reading the manifests the
 * real poller wrote and the files they name from moto.
 *
 * - A poison file's undecodable pages fail inside the job: it records the table as failed in the run's `.done` marker
 *   and the run itself finishes (no failed job run), so the poller holds that table alone.
 * - With MariaDB unreachable the job fails where it opens its JDBC connection (`GlueEngine.__init__`), before any table
 *   and without a `.done` marker; the poller retries it with backoff and holds no table.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { TableMetadata } from "../../metadata/format";
import type { DuckDbExecutor } from "../../src/executors/duckdb";
import { jdbcFromMysqlUrl } from "../../src/local/spark/spark-session";
import { SparkGlueJob } from "../../src/local/spark/spark-glue-job";
import { motoOn, type Moto } from "../support/moto";
import { mysqlTestDatabase } from "../support/databases";
import { sparkDescribe, useLocalGlue } from "../support/spark";
import { runIsolationScenario, SPARK_NAMESPACE } from "./poll-isolation-scenario";
import { runRunFailureScenario } from "./poll-run-failure-scenario";

const isolationDb = mysqlTestDatabase("cdc_poll_isolation_spark");
const runFailureDb = mysqlTestDatabase("cdc_poll_run_failure_spark");

sparkDescribe("the poller's failures on the Glue job (local Spark + Iceberg, MariaDB over JDBC)", () => {
  const glue = useLocalGlue();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-poll-failures-spark-"));
  const env = { ...process.env };
  afterAll(() => {
    fs.rmSync(root, { recursive: true, force: true });
    process.env = env;
  });

  /** The Glue job on this file's Spark session, applying to `mysqlUrl`; its Iceberg tables under `dir`. */
  const sparkJob = (aws: Moto, mysqlUrl: string, dir: string, tables: readonly TableMetadata[], duck: DuckDbExecutor) =>
    new SparkGlueJob({
      s3: aws.s3,
      spark: glue().spark,
      tables,
      sparkNamespace: SPARK_NAMESPACE,
      jdbc: jdbcFromMysqlUrl(mysqlUrl),
      publicationDir: path.join(dir, "pub"),
      duck,
    });

  /**
   * Runs `scenario` with the poller's clients and the Spark session's S3A on the same moto server, both scenarios'
   * buckets and Iceberg tables having the same names: each starts from an empty moto and namespace.
   */
  async function onMoto(scenario: (aws: Moto) => Promise<void>): Promise<void> {
    await glue().moto.reset();
    const namespace = SPARK_NAMESPACE.join(".");
    const tables = await glue()
      .spark.query(`SHOW TABLES IN ${namespace}`)
      .catch(() => []);
    for (const t of tables) await glue().spark.sql(`DROP TABLE IF EXISTS ${namespace}.${String(t.tableName)} PURGE`);
    const aws = motoOn(glue().moto);
    try {
      await scenario(aws);
    } finally {
      aws.destroy();
    }
  }

  isolationDb.describe("a poison file", () => {
    it("holds A with one alert, applies B to the end (messages lost too), and after the fix and resume A equals the model", async () => {
      const dir = path.join(root, "isolation");
      await onMoto((aws) =>
        runIsolationScenario(
          aws,
          {
            mysqlUrl: isolationDb.url(),
            // Spark's Parquet reader, inside the job's statements: the table's failure, not the run's.
            poisonError:
              /^org\.apache\.spark\.SparkException: .*Encountered error while reading file s3:\/\/harmonized\/dbo\/Invoice\//,
            job: ({ tables, duck }) => sparkJob(aws, isolationDb.url(), dir, tables, duck),
          },
          dir,
        ),
      );
    }, 600_000);
  });

  runFailureDb.describe("an unreachable MariaDB", () => {
    it("retries the run, alerts once, goes on by itself once MariaDB is back; resume retries at once", async () => {
      const dir = path.join(root, "run-failure");
      await onMoto((aws) =>
        runRunFailureScenario(
          aws,
          {
            mysqlUrl: runFailureDb.url(),
            // Connector/J, from the job's DriverManager.getConnection.
            unreachableError: /Communications link failure/,
            job: (url, duck, tables) => sparkJob(aws, url, dir, tables, duck),
          },
          dir,
        ),
      );
    }, 600_000);
  });
});

/**
 * Per-table isolation end to end on the production path: the scenario of poll-isolation-scenario.ts with the Glue
 * job's own code (handlers/glue/apply_changes.py `run_manifest`) on local Spark 3.5.4 + Iceberg 1.7.1, applying to
 * MariaDB over Connector/J, reading the manifests the real poller wrote and the files they name from moto. The poison
 * file's undecodable pages fail inside the job: it records the table as failed in the run's `.done` marker and the run
 * itself finishes (no failed job run), so the poller holds that table alone.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { jdbcFromMysqlUrl } from "../../src/local/spark/spark-session";
import { SparkGlueJob } from "../../src/local/spark/spark-glue-job";
import { motoOn } from "../support/moto";
import { mysqlTestDatabase } from "../support/databases";
import { sparkDescribe, useLocalGlue } from "../support/spark";
import { runIsolationScenario, SPARK_NAMESPACE } from "./poll-isolation-scenario";

const db = mysqlTestDatabase("cdc_poll_isolation_spark");

sparkDescribe("per-table isolation on the Glue job (local Spark + Iceberg, MariaDB over JDBC)", () => {
  const glue = useLocalGlue();
  db.describe("with a MariaDB target", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-isolation-spark-"));
    const env = { ...process.env };
    afterAll(() => {
      fs.rmSync(root, { recursive: true, force: true });
      process.env = env;
    });

    it("holds A with one alert, applies B to the end (messages lost too), and after the fix and resume A equals the model", async () => {
      // The poller's clients and the Spark session's S3A read the same moto server.
      const aws = motoOn(glue().moto);
      try {
        await runIsolationScenario(
          aws,
          {
            mysqlUrl: db.url(),
            // Spark's Parquet reader, inside the job's statements: the table's failure, not the run's.
            poisonError:
              /^org\.apache\.spark\.SparkException: .*Encountered error while reading file s3:\/\/harmonized\/dbo\/Invoice\//,
            job: ({ tables, duck }) =>
              new SparkGlueJob({
                s3: aws.s3,
                spark: glue().spark,
                tables,
                sparkNamespace: SPARK_NAMESPACE,
                jdbc: jdbcFromMysqlUrl(db.url()),
                publicationDir: path.join(root, "pub"),
                duck,
              }),
          },
          root,
        );
      } finally {
        aws.destroy();
      }
    }, 600_000);
  });
});

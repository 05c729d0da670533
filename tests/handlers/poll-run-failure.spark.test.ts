/**
 * A run failing as a whole on the production path: the scenario of poll-run-failure-scenario.ts with the Glue job's own
 * code (handlers/glue/apply_changes.py) on local Spark 3.5.4 + Iceberg 1.7.1, applying to MariaDB over Connector/J. With
 * MariaDB unreachable the job fails where it opens its JDBC connection (`GlueEngine.__init__`), before any table and
 * without a `.done` marker; the poller retries it with backoff and holds no table.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { jdbcFromMysqlUrl } from "../../src/local/spark/spark-session";
import { SparkGlueJob } from "../../src/local/spark/spark-glue-job";
import { motoOn } from "../support/moto";
import { mysqlTestDatabase } from "../support/databases";
import { sparkDescribe, useLocalGlue } from "../support/spark";
import { SPARK_NAMESPACE } from "./poll-isolation-scenario";
import { runRunFailureScenario } from "./poll-run-failure-scenario";

const db = mysqlTestDatabase("cdc_poll_run_failure_spark");

sparkDescribe("a run failing as a whole on the Glue job (local Spark + Iceberg, MariaDB over JDBC)", () => {
  const glue = useLocalGlue();
  db.describe("with a MariaDB target", () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-run-failure-spark-"));
    const env = { ...process.env };
    afterAll(() => {
      fs.rmSync(root, { recursive: true, force: true });
      process.env = env;
    });

    it("retries while MariaDB is unreachable, alerts once, goes on by itself once it is back; resume retries at once", async () => {
      // The poller's clients and the Spark session's S3A read the same moto server.
      const aws = motoOn(glue().moto);
      try {
        await runRunFailureScenario(
          aws,
          {
            mysqlUrl: db.url(),
            // Connector/J, from the job's DriverManager.getConnection.
            unreachableError: /Communications link failure/,
            job: (url, duck, tables) =>
              new SparkGlueJob({
                s3: aws.s3,
                spark: glue().spark,
                tables,
                sparkNamespace: SPARK_NAMESPACE,
                jdbc: jdbcFromMysqlUrl(url),
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

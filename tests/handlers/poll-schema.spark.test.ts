/**
 * A schema change mid-stream through the real poller on the production path: poll-schema-scenario.ts with the Glue
 * job's own code (handlers/glue/apply_changes.py `run_manifest`) on local Spark 3.5.4 + Iceberg 1.7.1, applying to
 * MariaDB over Connector/J, reading the manifests the poller wrote and the files they name from moto. The manifest's
 * `evolve` statements alter Iceberg and MariaDB; old-shape files are read with the added column NULL; the rebuild
 * copies the old Iceberg tables aside and renames MariaDB's.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { defaultTableNames } from "../../handlers/core/plan/names";
import { jdbcFromMysqlUrl } from "../../src/local/spark/spark-session";
import { SparkGlueJob } from "../../src/local/spark/spark-glue-job";
import { motoOn } from "../support/moto";
import { mysqlTestDatabase } from "../support/databases";
import { sparkDescribe, useLocalGlue } from "../support/spark";
import { SPARK_NAMESPACE } from "./poll-target-fixture";
import { runSchemaScenario } from "./poll-schema-scenario";

const db = mysqlTestDatabase("cdc_poll_schema_spark");

sparkDescribe("a schema change mid-stream on the Glue job (local Spark + Iceberg, MariaDB over JDBC)", () => {
  const glue = useLocalGlue();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-poll-schema-spark-"));
  const env = { ...process.env };
  afterAll(() => {
    fs.rmSync(root, { recursive: true, force: true });
    process.env = env;
  });

  db.describe("compatible, then incompatible", () => {
    it("alters Iceberg and MariaDB before the first new-shape file, holds a drop, rebuilds from the reload", async () => {
      await glue().moto.reset();
      const namespace = SPARK_NAMESPACE.join(".");
      const existing = await glue()
        .spark.query(`SHOW TABLES IN ${namespace}`)
        .catch(() => []);
      for (const t of existing) await glue().spark.sql(`DROP TABLE IF EXISTS ${namespace}.${String(t.tableName)} PURGE`);
      const aws = motoOn(glue().moto);
      try {
        await runSchemaScenario(
          aws,
          {
            mysqlUrl: db.url(),
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
            lakeColumns: async (meta) => {
              const name = defaultTableNames(meta, SPARK_NAMESPACE).target.join(".");
              return (await glue().spark.query(`DESCRIBE TABLE ${name}`))
                .map((r) => String(r.col_name))
                .filter((c) => c !== "" && !c.startsWith("#"));
            },
          },
          root,
        );
      } finally {
        aws.destroy();
      }
    }, 900_000);
  });
});

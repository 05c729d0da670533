/**
 * A schema change mid-stream through the real poller with the local DuckDB runner standing in for the Glue job (DuckDB
 * as the lake table, MariaDB as the MySQL target): poll-schema-scenario.ts. The same scenario runs on the Glue job's
 * own code on local Spark + Iceberg in poll-schema.spark.test.ts.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LocalGlueJob } from "../../src/local/glue-runner";
import { motoDescribe, useMoto } from "../support/moto";
import { mysqlTestDatabase } from "../support/databases";
import { runSchemaScenario } from "./poll-schema-scenario";

const db = mysqlTestDatabase("cdc_poll_schema");

motoDescribe("a schema change mid-stream on the local runner (DuckDB and MariaDB)", () => {
  const aws = useMoto();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-poll-schema-"));
  const env = { ...process.env };
  afterAll(() => {
    fs.rmSync(root, { recursive: true, force: true });
    process.env = env;
  });

  db.describe("compatible, then incompatible", () => {
    it("alters both targets before the first new-shape file, reads old-shape files with NULL, holds a drop with one alert", async () => {
      await aws().server.reset();
      let duckRef: import("../../src/executors/duckdb").DuckDbExecutor | undefined;
      await runSchemaScenario(
        aws(),
        {
          mysqlUrl: db.url(),
          job: ({ tables, duck, mysql }) => {
            duckRef = duck;
            return new LocalGlueJob({
              s3: aws().s3,
              tables,
              duck,
              mysql,
              tombstoneRetentionDays: 7,
              workDir: path.join(root, "work"),
              publicationDir: path.join(root, "pub"),
            });
          },
          lakeColumns: async (meta) => {
            const name = duckRef!.plan(meta).name("target");
            const rows = (await duckRef!.connection.runAndReadAll(`DESCRIBE ${name}`)).getRowObjectsJson();
            return rows.map((r) => String(r.column_name));
          },
        },
        root,
      );
    }, 180_000);
  });
});

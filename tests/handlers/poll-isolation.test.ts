/**
 * Per-table isolation end to end (DESIGN §5, issue #12 item 3) with the local DuckDB runner standing in for the Glue job
 * (DuckDB as the lake table, MariaDB as the MySQL target): the scenario of poll-isolation-scenario.ts. The same
 * scenario runs on the Glue job's own code on local Spark + Iceberg in poll-failures.spark.test.ts.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { LocalGlueJob } from "../../src/local/glue-runner";
import { motoDescribe, useMoto } from "../support/moto";
import { mysqlTestDatabase } from "../support/databases";
import { runIsolationScenario } from "./poll-isolation-scenario";

const db = mysqlTestDatabase("cdc_poll_isolation");

motoDescribe("per-table isolation: a poison file holds its table, the target goes on", () => {
  db.describe("on DuckDB and MariaDB", () => {
    const aws = useMoto();
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-isolation-"));
    const env = { ...process.env };
    afterAll(() => {
      fs.rmSync(root, { recursive: true, force: true });
      process.env = env;
    });

    it("holds A with one alert, applies B to the end (messages lost too), and after the fix and resume A equals the model", async () => {
      await runIsolationScenario(
        aws(),
        {
          mysqlUrl: db.url(),
          // DuckDB's Parquet reader on the garbage page header.
          poisonError: /^Error: Invalid Error: /,
          job: ({ tables, duck, mysql }) =>
            new LocalGlueJob({
              s3: aws().s3,
              tables,
              duck,
              mysql,
              tombstoneRetentionDays: 7,
              workDir: path.join(root, "work"),
              publicationDir: path.join(root, "pub"),
            }),
        },
        root,
      );
    }, 120_000);
  });
});

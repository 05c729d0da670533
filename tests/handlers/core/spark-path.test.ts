/**
 * Spark expands glob patterns in a `parquet.\`…\`` path, so schema and table names with `[ ] { } * ?` (legal in every
 * source engine) must be escaped for the file to be read at all. Checked on the real PySpark 3.5.4 of .cdc-env: the
 * plan's load statement and the large-file job's checks, each over a file under such a folder.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { spark } from "../../../handlers/core/plan/dialect";
import { TablePlan } from "../../../handlers/core/plan/plan";
import { sparkFilePath } from "../../../handlers/core/spark-path";
import { renderLargeFileChecks } from "../../../handlers/core/validation/large-file-checks";
import { ordersTable, tempDir } from "../../support/parquet-fixtures";
import { pysparkMissing, runPySpark } from "../../support/pyspark";
import { ordersFile } from "./validation/bad-files";

describe("sparkFilePath", () => {
  it("escapes each glob character and nothing else", () => {
    expect(sparkFilePath("s3://raw/dbo/a[1]{b,c}*?/LOAD00000001.parquet")).toBe(
      "s3://raw/dbo/a\\[1\\]\\{b,c\\}\\*\\?/LOAD00000001.parquet",
    );
    expect(sparkFilePath("s3://raw/dbo/orders (2024)/20240102-030405678.parquet")).toBe(
      "s3://raw/dbo/orders (2024)/20240102-030405678.parquet",
    );
  });

  (pysparkMissing("the Spark path check") ? it.skip : it)(
    "lets Spark read files under names with [ ] { } * ?: the plan's batch and the large-file checks see every row",
    () => {
      const tmp = tempDir("cdc-spark-path");
      try {
        const names = ["orders[1]", "orders{a,b}", "orders*", "orders?", "plain"];
        const statements = names.map((name) => {
          const meta = ordersTable("dbo", name);
          const file = path.join(tmp.dir, "dbo", name, "20240102-030405678.parquet");
          fs.mkdirSync(path.dirname(file), { recursive: true });
          fs.writeFileSync(file, ordersFile());
          // A sibling that an unescaped glob (orders* and orders? above all) would read too.
          fs.mkdirSync(path.join(tmp.dir, "dbo", `${name}x`), { recursive: true });
          fs.writeFileSync(path.join(tmp.dir, "dbo", `${name}x`, "20240102-030405678.parquet"), ordersFile());
          const plan = new TablePlan(meta, spark);
          const load = plan.batch([{ uri: `file://${file}` }]).load[0];
          return {
            load,
            count: `SELECT COUNT(*) FROM ${spark.quote(plan.relations.batch)}`,
            checks: renderLargeFileChecks(meta, "cdc", `file://${file}`).sql,
          };
        });
        const body = [
          "for s in cases:",
          "    try:",
          "        spark.sql(s['load'])",
          "        out.append([spark.sql(s['count']).collect()[0][0], spark.sql(s['checks']).collect()[0]['row_count']])",
          "    except Exception as err: out.append('ERROR ' + str(err).splitlines()[0])",
        ];
        expect(runPySpark(body, statements)).toEqual(names.map(() => [3, 3]));
      } finally {
        tmp.cleanup();
      }
    },
    120_000,
  );
});

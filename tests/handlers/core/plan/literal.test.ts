/**
 * String literals read back as the same string on every engine. Spark SQL takes backslash escapes and reads `'a''b'` as
 * two adjacent literals (`ab`), so its rendering is checked on the real PySpark 3.5.4 of .cdc-env (the Glue 5 engine):
 * one Python process evaluates every literal.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { duckdb, literal, mysql, spark, trino } from "../../../../handlers/core/plan/dialect";
import { sqlErrors } from "../../../support/sql-parsers";

const NASTY = [
  "",
  "it's",
  "''",
  "a\\b",
  "ends with \\",
  "\\'",
  "\\\\''",
  "a\\nb is not a newline",
  "\\u0041 is not A",
  "\\101 is not A either",
  "real\nnewline\tand tab",
  "é ☃ 😀",
  '%_ -- not a comment; "double" `tick`',
];

describe("literal()", () => {
  it("escapes per dialect", () => {
    expect(literal(spark, "it's a \\ path")).toBe("'it\\'s a \\\\ path'");
    expect(literal(mysql, "it's a \\ path")).toBe("'it''s a \\\\ path'");
    expect(literal(duckdb, "it's a \\ path")).toBe("'it''s a \\ path'");
    expect(literal(trino, "it's a \\ path")).toBe("'it''s a \\ path'");
  });

  it("gives Spark SQL that dt-sql-parser accepts", () => {
    expect(NASTY.map((s) => `SELECT ${literal(spark, s)}`).filter((sql) => sqlErrors("spark", sql).length > 0)).toEqual([]);
  });

  it("reads back unchanged in DuckDB", async () => {
    const instance = await DuckDBInstance.create(":memory:");
    const connection = await instance.connect();
    try {
      const reader = await connection.runAndReadAll(`SELECT ${NASTY.map((s) => literal(duckdb, s)).join(", ")}`);
      expect(reader.getRows()[0]).toEqual(NASTY);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  });

  const python = path.resolve(__dirname, "../../../../.cdc-env/venv/bin/python");
  const sparkMissing = !fs.existsSync(python) && process.env.CI !== "true";
  if (sparkMissing) console.warn(`skipping the Spark literal check: ${python} is missing; run bash .ci/python-env`);
  (sparkMissing ? it.skip : it)(
    "reads back unchanged in Spark SQL (PySpark 3.5.4)",
    () => {
      const script = [
        "import json, sys",
        "from pyspark.sql import SparkSession",
        "spark = SparkSession.builder.master('local[1]').config('spark.ui.enabled', 'false').getOrCreate()",
        "spark.sparkContext.setLogLevel('ERROR')",
        "out = []",
        "for lit in json.load(sys.stdin):",
        "    try: out.append(spark.sql('SELECT ' + lit).collect()[0][0])",
        "    except Exception as err: out.append('ERROR ' + str(err).splitlines()[0])",
        "spark.stop()",
        "sys.stdout.write(json.dumps(out))",
      ].join("\n");
      // Spark may leave scratch directories in its working directory.
      const cwd = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-spark-literal-"));
      try {
        const r = spawnSync(python, ["-c", script], {
          cwd,
          input: JSON.stringify(NASTY.map((s) => literal(spark, s))),
          encoding: "utf8",
        });
        if (r.status !== 0) throw new Error(`PySpark failed (${r.status}):\n${r.stderr}`);
        expect(JSON.parse(r.stdout)).toEqual(NASTY);
      } finally {
        fs.rmSync(cwd, { recursive: true, force: true });
      }
    },
    120_000,
  );
});

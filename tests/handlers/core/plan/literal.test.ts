/**
 * String literals read back as the same string on every engine. Spark SQL takes backslash escapes and reads `'a''b'` as
 * two adjacent literals (`ab`), so its rendering is checked on the real PySpark 3.5.4 of .cdc-env (the Glue 5 engine):
 * one Python process evaluates every literal.
 */
import { DuckDBInstance } from "@duckdb/node-api";
import { duckdb, literal, mysql, spark, trino } from "../../../../handlers/core/plan/dialect";
import { pysparkMissing, runPySpark } from "../../../support/pyspark";
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

  (pysparkMissing("the Spark literal check") ? it.skip : it)(
    "reads back unchanged in Spark SQL (PySpark 3.5.4)",
    () => {
      const body = [
        "for lit in cases:",
        "    try: out.append(spark.sql('SELECT ' + lit).collect()[0][0])",
        "    except Exception as err: out.append('ERROR ' + str(err).splitlines()[0])",
      ];
      expect(
        runPySpark(
          body,
          NASTY.map((s) => literal(spark, s)),
        ),
      ).toEqual(NASTY);
    },
    120_000,
  );
});

/**
 * `cdc replay --engine spark` runs the Glue apply job's own code on local Spark + Iceberg and must give the same tables
 * as `--engine duckdb`: on the example source, and on a table with a column of every type, filled by the generator with
 * the values engines get wrong first (dates and timestamps before 1582 and in the days the hybrid calendar skips,
 * DECIMAL(38,10), binary, unicode, fractional seconds, time(7) text). Also with a MariaDB target: the job's JDBC path
 * (Connector/J) leaves MySQL with the rows Iceberg has.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import { readMetadataDir } from "../../../../metadata/load";
import { MySqlExecutor } from "../../../../src/executors/mysql";
import { cdc } from "../../../support/cli";
import { mysqlTestDatabase } from "../../../support/databases";
import { allTypesTable, tempDir, writeMetadata } from "../../../support/parquet-fixtures";
import { canonicalRows } from "../../../support/reference-model";
import { sparkDescribe } from "../../../support/spark";

const db = mysqlTestDatabase("cdc_replay_spark");

sparkDescribe("cdc replay --engine spark", () => {
  db.describe("against --engine duckdb", () => {
    const { dir: root, cleanup } = tempDir("cdc-replay-spark");
    const metadata = path.join(root, "metadata");
    const dms = path.join(root, "dms");
    const example = readMetadataDir(path.resolve(__dirname, "../../../../metadata/sources/sales"));
    const allTypes = allTypesTable("dbo", "AllTypes");
    let instance: DuckDBInstance;
    let conn: DuckDBConnection;

    beforeAll(async () => {
      instance = await DuckDBInstance.create(":memory:");
      conn = await instance.connect();
      await conn.run("SET TimeZone = 'UTC'");
      writeMetadata(metadata, [...example.tables, allTypes]);
      const gen = await cdc("generate", "--metadata", metadata, "--out", dms, "--rows", "120", "--changes", "60", "--seed", "11");
      if (gen.code !== 0) throw new Error(`cdc generate failed: ${gen.stderr}`);
    });
    afterAll(() => {
      conn?.closeSync();
      instance?.closeSync();
      cleanup();
    });

    /** Every cell of a publication file as DuckDB prints it, in file order: the same text means the same value. */
    const cells = async (file: string) => {
      const described = (await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${file}')`)).getRowObjectsJson();
      const cols = described.map((c) => `CAST("${String(c.column_name)}" AS VARCHAR) AS "${String(c.column_name)}"`);
      return (await conn.runAndReadAll(`SELECT ${cols.join(", ")} FROM read_parquet('${file}')`)).getRowObjectsJson();
    };

    it("publishes the same rows, with the same report, as DuckDB; MySQL holds them too", async () => {
      const [duckOut, sparkOut] = [path.join(root, "out-duckdb"), path.join(root, "out-spark")];
      const d = await cdc("replay", dms, "--metadata", metadata, "--out", duckOut);
      expect(d.code).toBe(0);
      const s = await cdc("replay", dms, "--metadata", metadata, "--out", sparkOut, "--engine", "spark", "--mysql", db.url());
      if (s.code !== 0) throw new Error(`replay --engine spark failed: ${s.stderr}`);
      expect(s.stdout).toBe(d.stdout.replace(path.join(duckOut, "report.json"), path.join(sparkOut, "report.json")));

      const files = fs
        .readdirSync(duckOut)
        .filter((f) => f.endsWith(".parquet"))
        .sort();
      expect(files).toEqual(
        fs
          .readdirSync(sparkOut)
          .filter((f) => f.endsWith(".parquet"))
          .sort(),
      );
      expect(files).toContain("dbo.AllTypes.parquet");
      for (const f of files) {
        const [a, b] = [await cells(path.join(duckOut, f)), await cells(path.join(sparkOut, f))];
        expect({ file: f, rows: b }).toEqual({ file: f, rows: a });
      }

      // The generated data really holds what the engines get wrong first.
      const edge = (sql: string) => conn.runAndReadAll(sql.replace("$f", path.join(sparkOut, "dbo.AllTypes.parquet")));
      const r = (
        await edge(
          `SELECT count(*) FILTER (WHERE day < DATE '1582-10-15') AS early_days, count(*) FILTER (WHERE "at" < TIMESTAMP '1582-10-15') AS early_times, ` +
            `count(*) FILTER (WHERE length(CAST(wide AS VARCHAR)) > 30) AS wide_decimals, count(*) FILTER (WHERE octet_length(raw) > 0) AS binaries, ` +
            `count(*) FILTER (WHERE note <> CAST(encode(note) AS VARCHAR) OR regexp_matches(note, '[^\\x00-\\x7F]')) AS unicode, ` +
            `count(*) FILTER (WHERE at_time LIKE '%.%' AND length(at_time) = 16) AS times FROM read_parquet('$f')`,
        )
      ).getRowObjectsJson()[0];
      for (const [what, n] of Object.entries(r)) expect({ what, present: Number(n) > 0 }).toEqual({ what, present: true });

      // MySQL, written by the job over JDBC, holds what Iceberg holds (binary compared as hex on both sides).
      const mysql = await MySqlExecutor.connect(db.url());
      try {
        for (const meta of [...example.tables, allTypes]) {
          const file = path.join(sparkOut, `${meta.schema}.${meta.table}.parquet`);
          const described = (await conn.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${file}')`)).getRowObjectsJson();
          const select = described.map((c) =>
            c.column_type === "BLOB"
              ? `hex("${String(c.column_name)}") AS "${String(c.column_name)}"`
              : `"${String(c.column_name)}"`,
          );
          const iceberg = (
            await conn.runAndReadAll(`SELECT ${select.join(", ")} FROM read_parquet('${file}')`)
          ).getRowObjectsJson();
          const fromMysql = (await mysql.rows(meta)).map((row) =>
            Object.fromEntries(
              Object.entries(row).map(([k, v]) => [k, Buffer.isBuffer(v) ? v.toString("hex").toUpperCase() : v]),
            ),
          );
          expect({ table: meta.table, rows: canonicalRows(meta, fromMysql) }).toEqual({
            table: meta.table,
            rows: canonicalRows(meta, iceberg),
          });
        }
      } finally {
        await mysql.close();
      }
    }, 900_000);
  });
});

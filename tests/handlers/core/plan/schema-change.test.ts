/**
 * Schema changes on real engines: DuckDB and MariaDB tables created with the applied shape take every compatible
 * change (idempotently: a re-run adds nothing twice), keep their rows with the new columns NULL, then hold values only
 * the new shape fits; incompatible changes produce no DDL. Spark + Iceberg: schema-change.spark.test.ts.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DuckDBInstance, type DuckDBConnection } from "@duckdb/node-api";
import mysql from "mysql2/promise";
import { duckdb, mariadb, spark } from "../../../../handlers/core/plan/dialect";
import { TablePlan } from "../../../../handlers/core/plan/plan";
import { schemaChangePlan } from "../../../../handlers/core/plan/schema-change";
import { tableShape } from "../../../../metadata/schema-diff";
import { mysqlTestDatabase } from "../../../support/databases";
import { AFTER, BEFORE, INCOMPATIBLE, runSchemaStatements } from "./schema-change-fixtures";

describe("schema change statements", () => {
  it.each(Object.entries(INCOMPATIBLE))("an incompatible change (%s) produces no DDL in any dialect", (_, after) => {
    for (const d of [spark, duckdb, mariadb]) {
      const p = schemaChangePlan(new TablePlan(after, d), tableShape(BEFORE));
      expect([p.compatible, p.statements]).toEqual([false, []]);
      expect(p.changes.some((c) => !c.compatible)).toBe(true);
    }
  });

  it("nothing to do when the shape is the applied one; a longer string is no Iceberg DDL", () => {
    expect(schemaChangePlan(new TablePlan(BEFORE, spark), tableShape(BEFORE))).toEqual({
      changes: [],
      compatible: true,
      statements: [],
    });
    const longer = { ...BEFORE, columns: BEFORE.columns.map((c) => (c.name === "name" ? { ...c, length: 40 } : c)) };
    expect(schemaChangePlan(new TablePlan(longer, spark), tableShape(BEFORE)).statements).toEqual([]);
    expect(schemaChangePlan(new TablePlan(longer, mariadb), tableShape(BEFORE)).statements.map((s) => s.sql)).toEqual([
      "ALTER TABLE `dbo__evolving` MODIFY COLUMN `name` VARCHAR(40)",
      "ALTER TABLE `dbo__evolving__staging` MODIFY COLUMN `name` VARCHAR(40)",
    ]);
  });

  it("renders Iceberg's ADD COLUMNS with a probe and ALTER COLUMN TYPE only for the types that change in Iceberg", () => {
    const p = schemaChangePlan(
      new TablePlan(AFTER, spark, { target: ["c", "db", "t"], tombstones: ["c", "db", "t__tombstones"], staging: [] }),
      tableShape(BEFORE),
    );
    expect(p.statements).toEqual([
      {
        sql: "ALTER TABLE `c`.`db`.`t` ADD COLUMNS (`note` string, `flag` boolean)",
        unless: { probe: "DESCRIBE TABLE `c`.`db`.`t`", column: "note" },
      },
      { sql: "ALTER TABLE `c`.`db`.`t` ALTER COLUMN `id` TYPE bigint" },
      { sql: "ALTER TABLE `c`.`db`.`t` ALTER COLUMN `qty` TYPE bigint" },
      { sql: "ALTER TABLE `c`.`db`.`t` ALTER COLUMN `price` TYPE decimal(14,2)" },
      { sql: "ALTER TABLE `c`.`db`.`t` ALTER COLUMN `ratio` TYPE double" },
      { sql: "ALTER TABLE `c`.`db`.`t__tombstones` ALTER COLUMN `id` TYPE bigint" },
    ]);
  });
});

describe("schema change on DuckDB", () => {
  let conn: DuckDBConnection;
  const rows = async (sql: string) => (await conn.runAndReadAll(sql)).getRowObjectsJson();
  beforeAll(async () => {
    conn = await (await DuckDBInstance.create(":memory:")).connect();
  });
  afterAll(() => conn.closeSync());

  it("takes every compatible change, twice without harm, keeping rows with the new columns NULL", async () => {
    for (const sql of new TablePlan(BEFORE, duckdb).create()) await conn.run(sql);
    await conn.run(`INSERT INTO dbo__evolving VALUES (1, 'abc', 2, 3.25, 0.5, '1', NULL)`);
    await conn.run(`INSERT INTO dbo__evolving__tombstones VALUES (2, '2', NULL)`);
    const plan = schemaChangePlan(new TablePlan(AFTER, duckdb), tableShape(BEFORE));
    for (let i = 0; i < 2; i++)
      await runSchemaStatements(
        plan.statements,
        (sql) => conn.run(sql),
        async () => [],
      );
    const types = await rows(
      `SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_name LIKE 'dbo__evolving%' ORDER BY table_name, ordinal_position`,
    );
    expect(types.map((r) => `${r.table_name}.${r.column_name} ${r.data_type}`)).toEqual([
      "dbo__evolving.id BIGINT",
      "dbo__evolving.name VARCHAR",
      "dbo__evolving.qty BIGINT",
      "dbo__evolving.price DECIMAL(14,2)",
      "dbo__evolving.ratio DOUBLE",
      "dbo__evolving._cdc_seq VARCHAR",
      "dbo__evolving._cdc_timestamp VARCHAR",
      "dbo__evolving.note VARCHAR",
      "dbo__evolving.flag BOOLEAN",
      "dbo__evolving__tombstones.id BIGINT",
      "dbo__evolving__tombstones._cdc_seq VARCHAR",
      "dbo__evolving__tombstones._cdc_timestamp VARCHAR",
    ]);
    await conn.run(
      `INSERT INTO dbo__evolving (id, qty, price, ratio, note, flag, _cdc_seq) VALUES (9223372036854775807, 9223372036854775807, 123456789012.25, 1e300, 'n', true, '3')`,
    );
    expect(await rows(`SELECT id::VARCHAR AS id, name, note, flag FROM dbo__evolving ORDER BY id`)).toEqual([
      { id: "1", name: "abc", note: null, flag: null },
      { id: "9223372036854775807", name: null, note: "n", flag: true },
    ]);
  });
});

describe("a batch of old- and new-shape files on DuckDB", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cdc-schema-files-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("applies after the schema change, the old file's rows with the new columns NULL", async () => {
    const conn = await (await DuckDBInstance.create(":memory:")).connect();
    try {
      // DMS files: Op, cdc_timestamp, cdc_seq, then the source columns of the shape they were written in.
      const old = path.join(dir, "20240101-000000001.parquet");
      const now = path.join(dir, "20240101-000000002.parquet");
      const dms = "'I' AS Op, '2024-01-01 00:00:00' AS cdc_timestamp";
      await conn.run(
        `COPY (SELECT ${dms}, '${"1".padStart(35, "0")}' AS cdc_seq, 1::INTEGER AS id, 'old' AS name, 2::INTEGER AS qty, 3.25::DECIMAL(10,2) AS price, 0.5::FLOAT AS ratio) TO '${old}' (FORMAT parquet)`,
      );
      await conn.run(
        `COPY (SELECT ${dms}, '${"2".padStart(35, "0")}' AS cdc_seq, 5000000000::BIGINT AS id, 'new' AS name, 7::BIGINT AS qty, 1.5::DECIMAL(14,2) AS price, 0.25::DOUBLE AS ratio, 'hello' AS note, true AS flag) TO '${now}' (FORMAT parquet)`,
      );
      for (const sql of new TablePlan(BEFORE, duckdb).create()) await conn.run(sql);
      const plan = new TablePlan(AFTER, duckdb);
      await runSchemaStatements(
        schemaChangePlan(plan, tableShape(BEFORE)).statements,
        (sql) => conn.run(sql),
        async () => [],
      );
      const oldColumns = ["Op", "cdc_timestamp", "cdc_seq", ...BEFORE.columns.map((c) => c.name)];
      const newColumns = ["Op", "cdc_timestamp", "cdc_seq", ...AFTER.columns.map((c) => c.name)];
      const b = plan.batch([
        { uri: old, columns: oldColumns },
        { uri: now, columns: newColumns },
      ]);
      for (const sql of [...plan.create(), ...b.load, ...b.dedupe, ...b.guard, ...b.merge, ...b.cleanup]) await conn.run(sql);
      const rows = (
        await conn.runAndReadAll("SELECT id::VARCHAR AS id, name, qty::VARCHAR AS qty, note, flag FROM dbo__evolving ORDER BY id")
      ).getRowObjectsJson();
      expect(rows).toEqual([
        { id: "1", name: "old", qty: "2", note: null, flag: null },
        { id: "5000000000", name: "new", qty: "7", note: "hello", flag: true },
      ]);
      // A batch of old-shape files only: the new columns exist in no file and read NULL.
      const only = plan.batch([{ uri: old, columns: oldColumns }]);
      expect(only.load[0]).toContain('CAST(NULL AS VARCHAR) AS "note"');
      for (const sql of [...only.load, ...only.dedupe, ...only.guard, ...only.merge, ...only.cleanup]) await conn.run(sql);
    } finally {
      conn.closeSync();
    }
  });
});

const db = mysqlTestDatabase("cdc_schema_change");
db.describe("schema change on MariaDB", () => {
  let conn: mysql.Connection;
  beforeAll(async () => {
    conn = await mysql.createConnection({ uri: db.url() });
  });
  afterAll(() => conn.end());
  const columns = async (probe: string) =>
    ((await conn.query(probe))[0] as Array<{ COLUMN_NAME: string }>).map((r) => r.COLUMN_NAME);

  it("takes every compatible change on target, tombstones (the key) and staging, twice without harm", async () => {
    for (const sql of new TablePlan(BEFORE, mariadb).create()) await conn.query(sql);
    await conn.query("INSERT INTO dbo__evolving VALUES (1, 'abc', 2, 3.25, 0.5, '1', NULL)");
    const plan = schemaChangePlan(new TablePlan(AFTER, mariadb), tableShape(BEFORE));
    expect(plan.statements.map((s) => s.sql)).toEqual([
      // REAL4 is already a MySQL DOUBLE (dms-types.ts): float → double needs no MODIFY there.
      "ALTER TABLE `dbo__evolving` ADD COLUMN `note` VARCHAR(100), ADD COLUMN `flag` BOOLEAN, MODIFY COLUMN `id` BIGINT NOT NULL, MODIFY COLUMN `name` VARCHAR(40), MODIFY COLUMN `qty` BIGINT, MODIFY COLUMN `price` DECIMAL(14,2)",
      "ALTER TABLE `dbo__evolving__tombstones` MODIFY COLUMN `id` BIGINT NOT NULL",
      "ALTER TABLE `dbo__evolving__staging` ADD COLUMN `note` VARCHAR(100), ADD COLUMN `flag` BOOLEAN, MODIFY COLUMN `id` BIGINT NOT NULL, MODIFY COLUMN `name` VARCHAR(40), MODIFY COLUMN `qty` BIGINT, MODIFY COLUMN `price` DECIMAL(14,2)",
    ]);
    const first = await runSchemaStatements(plan.statements, (sql) => conn.query(sql), columns);
    const second = await runSchemaStatements(plan.statements, (sql) => conn.query(sql), columns);
    expect([first.length, second]).toEqual([3, ["ALTER TABLE `dbo__evolving__tombstones` MODIFY COLUMN `id` BIGINT NOT NULL"]]);
    const [types] = await conn.query(
      "SELECT TABLE_NAME t, COLUMN_NAME c, COLUMN_TYPE ty, IS_NULLABLE n, COLUMN_KEY k FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND COLUMN_NAME IN ('id', 'name', 'note', 'flag') ORDER BY 1, 2",
    );
    expect(
      (types as Array<Record<string, string>>).map(
        (r) => `${r.t}.${r.c} ${r.ty.replace(/\(\d+\)$/, (m) => (r.ty.startsWith("varchar") ? m : ""))} ${r.n} ${r.k}`,
      ),
    ).toEqual([
      "dbo__evolving.flag tinyint YES ",
      "dbo__evolving.id bigint NO PRI",
      "dbo__evolving.name varchar(40) YES ",
      "dbo__evolving.note varchar(100) YES ",
      "dbo__evolving__staging.flag tinyint YES ",
      "dbo__evolving__staging.id bigint NO PRI",
      "dbo__evolving__staging.name varchar(40) YES ",
      "dbo__evolving__staging.note varchar(100) YES ",
      "dbo__evolving__tombstones.id bigint NO PRI",
    ]);
    await conn.query(
      "INSERT INTO dbo__evolving (id, name, qty, price, ratio, note, flag, _cdc_seq) VALUES (9223372036854775807, REPEAT('x', 40), 9223372036854775807, 123456789012.25, 1e300, 'n', 1, '3')",
    );
    const [kept] = await conn.query("SELECT CAST(id AS CHAR) id, name, note, flag FROM dbo__evolving ORDER BY id");
    expect(kept).toEqual([
      { id: "1", name: "abc", note: null, flag: null },
      { id: "9223372036854775807", name: "x".repeat(40), note: "n", flag: 1 },
    ]);
  });
});

import type { TableMetadata } from "../../../../metadata/format";
import { checkMysqlKey, DIALECT, duckdb, literal, mariadb, mysql, spark, trino } from "../../../../handlers/core/plan/dialect";
import { defaultTableNames, TablePlan } from "../../../../handlers/core/plan/plan";
import { EVERY_TYPE, NO_KEY } from "./fixtures";

const FILES = [
  { uri: "s3://b/dbo/Order Lines/LOAD0000000A.parquet" },
  { uri: "s3://b/dbo/Order Lines/20240102-120000000.parquet" },
];

describe("table names", () => {
  it("are <schema>__<table> in lower case with tombstone and staging tables next to it", () => {
    expect(defaultTableNames(EVERY_TYPE, ["glue_catalog", "cdc_dev_sales"])).toEqual({
      target: ["glue_catalog", "cdc_dev_sales", "dbo__order lines"],
      tombstones: ["glue_catalog", "cdc_dev_sales", "dbo__order lines__tombstones"],
      staging: ["glue_catalog", "cdc_dev_sales", "dbo__order lines__staging"],
    });
  });

  it("are quoted per dialect, quote characters doubled", () => {
    const names = defaultTableNames(EVERY_TYPE, ["db"]);
    expect(new TablePlan(EVERY_TYPE, spark, names).name("target")).toBe("`db`.`dbo__order lines`");
    expect(new TablePlan(EVERY_TYPE, duckdb, names).name("target")).toBe('"db"."dbo__order lines"');
    expect(spark.quote("a`b")).toBe("`a``b`");
    expect(trino.quote('a"b')).toBe('"a""b"');
    expect(literal(mysql, "it's a \\ path")).toBe("'it''s a \\\\ path'");
    expect(literal(duckdb, "it's a \\ path")).toBe("'it''s a \\ path'");
  });
});

describe("the plan", () => {
  it("creates target and tombstones (and MySQL staging) for a keyed table, with the dialect's types", () => {
    const create = new TablePlan(EVERY_TYPE, mysql).create();
    expect(create).toHaveLength(3);
    expect(create[0]).toMatch(
      /^CREATE TABLE IF NOT EXISTS `dbo__order lines` \(`order` BIGINT NOT NULL, `line``no"te` VARCHAR\(40\) NOT NULL,/,
    );
    expect(create[0]).toContain(
      '`_cdc_seq` CHAR(35) NOT NULL, `_cdc_timestamp` VARCHAR(32), PRIMARY KEY (`order`, `line``no"te`)',
    );
    // Binary and NO PAD: 'a' and 'a ' are two keys (utf8mb4_bin pads); the name differs between MySQL 8 and MariaDB.
    expect(create[0]).toMatch(/ COLLATE = utf8mb4_0900_bin$/);
    expect(new TablePlan(EVERY_TYPE, mariadb).create()[0]).toBe(create[0].replace("utf8mb4_0900_bin", "utf8mb4_nopad_bin"));
    expect(create[1]).toMatch(
      /^CREATE TABLE IF NOT EXISTS `dbo__order lines__tombstones` \(`order` BIGINT NOT NULL, `line``no"te` VARCHAR\(40\) NOT NULL, `_cdc_seq`/,
    );
    expect(create[2]).toMatch(
      /^CREATE TABLE IF NOT EXISTS `dbo__order lines__staging` \(`order` BIGINT NOT NULL, `line``no"te` VARCHAR\(40\) NOT NULL, .*PRIMARY KEY \(`order`, `line``no"te`\)\)/,
    );
    const sparkCreate = new TablePlan(EVERY_TYPE, spark).create();
    expect(sparkCreate).toHaveLength(2);
    expect(sparkCreate[0]).toContain("`c_datetime` timestamp_ntz");
    expect(sparkCreate[0]).toContain("`c_int1` int");
    expect(sparkCreate[0]).toContain("USING iceberg");
  });

  it("publishes a table without a key as a change log: no tombstones, nothing to expire", () => {
    const plan = new TablePlan(NO_KEY, duckdb);
    expect(plan.mode).toBe("append");
    expect(plan.create()).toHaveLength(1);
    expect(plan.create()[0]).toContain('"_cdc_op" VARCHAR NOT NULL');
    expect(plan.expire("2024-01-01 00:00:00.000000")).toEqual([]);
    expect(plan.publicationColumns().slice(-3)).toEqual(["_cdc_op", "_cdc_seq", "_cdc_timestamp"]);
    expect(plan.batch(FILES).merge).toEqual([
      expect.stringMatching(/^INSERT INTO "dbo__select" .* WHERE "_cdc_action" = 'insert'$/),
    ]);
  });

  it("reads each file once, at its last position, and gives full-load rows their file counter", () => {
    const load = new TablePlan(EVERY_TYPE, spark).batch([FILES[1], ...FILES]).load[0];
    expect(load.match(/FROM parquet\./g)).toHaveLength(2);
    expect(load).toContain("CASE WHEN 10 > 0 THEN 10 * 2147483648 + _metadata.row_index ELSE 0 END");
    expect(load).toMatch(
      /SELECT .* 1 AS `_cdc_file_order`.*LOAD0000000A.*UNION ALL SELECT .* 2 AS `_cdc_file_order`.*20240102-120000000/,
    );
    const duck = new TablePlan(EVERY_TYPE, duckdb).batch(FILES).load[0];
    expect(duck).toContain(
      "read_parquet(['s3://b/dbo/Order Lines/LOAD0000000A.parquet', 's3://b/dbo/Order Lines/20240102-120000000.parquet'], filename = '_cdc_file'",
    );
    expect(duck).toContain("[10, 0][list_position(");
  });

  it("keeps the last change per key by sequence, file order and row order", () => {
    const dedupe = new TablePlan(EVERY_TYPE, spark).batch(FILES).dedupe[0];
    expect(dedupe).toContain(
      'ROW_NUMBER() OVER (PARTITION BY `order`, `line``no"te` ORDER BY `_cdc_seq` DESC, `_cdc_file_order` DESC, `_cdc_file_row` DESC)',
    );
    expect(new TablePlan(NO_KEY, spark).batch(FILES).dedupe[0]).toContain("PARTITION BY `_cdc_seq`, `_cdc_row`");
  });

  it("guards with the target row and the tombstone, strictly newer", () => {
    const guard = new TablePlan(EVERY_TYPE, duckdb).batch(FILES).guard[0];
    expect(guard).toContain(
      `(t."order" IS NOT NULL AND s."_cdc_seq" <= t."_cdc_seq") OR (b."order" IS NOT NULL AND s."_cdc_seq" <= b."_cdc_seq") THEN 'stale'`,
    );
    const my = new TablePlan(EVERY_TYPE, mysql).batch([]);
    expect(my.guard).toEqual([]);
    for (const sql of my.merge)
      expect(sql).toContain(
        "(t.`order` IS NULL OR s.`_cdc_seq` > t.`_cdc_seq`) AND (b.`order` IS NULL OR s.`_cdc_seq` > b.`_cdc_seq`)",
      );
    expect(my.merge[2]).toContain("ON DUPLICATE KEY UPDATE `dbo__order lines`.`c_boolean` = VALUES(`c_boolean`)");
  });

  it("expires tombstones older than the cutoff", () => {
    expect(new TablePlan(EVERY_TYPE, mysql).expire("2024-01-01 00:00:00.000000")).toEqual([
      "DELETE FROM `dbo__order lines__tombstones` WHERE `_cdc_timestamp` < '2024-01-01 00:00:00.000000'",
    ]);
  });

  it("leaves loading to the caller on Trino, and needs files elsewhere", () => {
    expect(new TablePlan(EVERY_TYPE, trino).batch([]).load).toEqual([]);
    expect(() => new TablePlan(EVERY_TYPE, duckdb).batch([])).toThrow("dbo.Order Lines: a batch needs at least one file");
  });

  it("refuses metadata it cannot apply, naming the table and column", () => {
    const withColumn = (name: string): TableMetadata => ({
      ...EVERY_TYPE,
      columns: [...EVERY_TYPE.columns, { ...EVERY_TYPE.columns[2], name }],
    });
    expect(() => new TablePlan(withColumn("_CDC_SEQ"), duckdb)).toThrow(
      "dbo.Order Lines: column _CDC_SEQ collides with a CDC bookkeeping column",
    );
    expect(() => new TablePlan(withColumn("_cdc_file"), spark)).toThrow(
      "column _cdc_file collides with a CDC bookkeeping column",
    );
    expect(() => new TablePlan({ ...EVERY_TYPE, primaryKey: ["nope"] }, duckdb)).toThrow(
      "primary-key column nope is not a replicated column",
    );
    const clobKey: TableMetadata = { ...EVERY_TYPE, primaryKey: ["c_clob"] };
    expect(() => new TablePlan(clobKey, mysql)).toThrow(
      "dbo.Order Lines: primary-key column c_clob maps to MySQL LONGTEXT, which cannot be a key",
    );
    expect(() => new TablePlan(clobKey, DIALECT.spark)).not.toThrow();
    const wide = EVERY_TYPE.columns.map((c) => (c.dmsType === "WSTRING" ? { ...c, length: 800 } : c));
    expect(() =>
      checkMysqlKey(
        "dbo.t",
        wide.filter((c) => c.name === 'line`no"te'),
      ),
    ).toThrow("needs 3200 bytes; InnoDB allows 3072");
  });
});

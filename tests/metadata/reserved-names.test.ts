/**
 * The one reserved list: it covers every internal column the plan writes in any dialect, the plan's guard uses it,
 * and matching ignores case.
 */
import type { TableMetadata } from "../../metadata/format";
import { isReservedColumn, PLAN_COLUMNS, RESERVED_COLUMNS, reservedColumnReason } from "../../metadata/reserved-names";
import { DIALECT, DUCKDB_FILE_COLUMN } from "../../handlers/core/plan/dialect";
import { TablePlan } from "../../handlers/core/plan/plan";
import { EVERY_TYPE, NO_KEY } from "../handlers/core/plan/fixtures";

describe("reserved column names", () => {
  it("are DMS's change columns, the plan's _cdc_* columns and DuckDB's scan columns, in any case", () => {
    for (const name of ["Op", "OP", "op", "cdc_timestamp", "CDC_SEQ"]) {
      expect(reservedColumnReason(name)).toBe(
        "DMS adds Op, cdc_timestamp and cdc_seq to every file (names match case-insensitively)",
      );
    }
    for (const name of ["_cdc_rank", "_CDC_TOMBSTONE_SEQ", "_cdc_", "_cdc_future"]) {
      expect(reservedColumnReason(name)).toBe("the pipeline names its own columns _cdc_*");
    }
    for (const name of ["file_row_number", "FILE_ROW_NUMBER"]) {
      expect(reservedColumnReason(name)).toBe("DuckDB adds file_row_number to the rows of the files it reads");
    }
    // DuckDB's file-name column is renamed by the plan (`_cdc_file`), so a source column `filename` is fine.
    for (const name of [
      "filename",
      "FileName",
      "opcode",
      "cdc_seq_no",
      "_cdc",
      "cdc_rank",
      "action",
      "n",
      "file_row",
      "Operation",
    ]) {
      expect(isReservedColumn(name)).toBe(false);
    }
  });

  it("list the column DuckDB names each row's file with", () => {
    expect(RESERVED_COLUMNS).toContain(DUCKDB_FILE_COLUMN);
    expect(isReservedColumn(DUCKDB_FILE_COLUMN)).toBe(true);
  });

  it("include every internal column any dialect's statements use", () => {
    const used = new Set<string>();
    for (const dialect of Object.values(DIALECT)) {
      for (const meta of [EVERY_TYPE, NO_KEY]) {
        const plan = new TablePlan(meta, dialect);
        const files = [{ uri: "/lake/dbo/t/LOAD00000001.parquet" }, { uri: "/lake/dbo/t/20240101-000000000.parquet" }];
        const batch = plan.batch(dialect.name === "mysql" ? [] : files);
        const sql = [...plan.create(), ...plan.expire("2024-01-01 00:00:00.000000"), ...Object.values(batch).flat()];
        for (const s of sql) for (const m of JSON.stringify(s).matchAll(/_cdc_[a-z_]+/gi)) used.add(m[0].toLowerCase());
      }
    }
    expect(used.size).toBeGreaterThan(5);
    expect([...used].filter((c) => !(PLAN_COLUMNS as readonly string[]).includes(c))).toEqual([]);
  });

  it("are what the plan's own guard refuses, DMS's columns included", () => {
    const withColumn = (name: string): TableMetadata => ({
      ...EVERY_TYPE,
      columns: [...EVERY_TYPE.columns, { ...EVERY_TYPE.columns[2], name, ordinal: 99 }],
    });
    for (const name of ["Op", "cdc_seq", "CDC_TIMESTAMP", "file_row_number", "_cdc_rank", "_cdc_tombstone_seq"]) {
      expect(() => new TablePlan(withColumn(name), DIALECT.duckdb)).toThrow(
        `dbo.Order Lines: column ${name} collides with a CDC bookkeeping column`,
      );
    }
    expect(() => new TablePlan(withColumn("op_code"), DIALECT.duckdb)).not.toThrow();
  });
});

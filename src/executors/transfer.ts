/**
 * Copies a deduplicated batch from DuckDB to MySQL staging (the local counterpart of Glue's JDBC write). Every value
 * travels as text MySQL parses exactly — decimals and 64-bit integers as digits, timestamps with microseconds,
 * booleans as 0/1, binary as hex — so nothing is rounded through a JavaScript number.
 */
import type { ColumnMetadata } from "../../metadata/format";
import { duckdb } from "../../handlers/core/plan/dialect";
import type { DuckDbExecutor, StagedBatch } from "./duckdb";
import type { StagingRows } from "./mysql";

/** DuckDB expression rendering one source column for MySQL, and the placeholder that receives it. */
export function mysqlTransport(column: ColumnMetadata): { expression: string; placeholder: string } {
  const col = duckdb.quote(column.name);
  switch (column.dmsType) {
    case "BOOLEAN":
      return { expression: `CAST(CAST(${col} AS INTEGER) AS VARCHAR)`, placeholder: "?" };
    case "BYTES":
    case "BLOB":
      return { expression: `hex(${col})`, placeholder: "UNHEX(?)" };
    case "DATETIME":
      return { expression: `strftime(${col}, '%Y-%m-%d %H:%M:%S.%f')`, placeholder: "?" };
    default:
      return { expression: `CAST(${col} AS VARCHAR)`, placeholder: "?" };
  }
}

/** Reads the staged batch's `changes` relation from DuckDB in the shape `MySqlExecutor.apply` expects. */
export async function readStagingRows(duck: DuckDbExecutor, staged: StagedBatch): Promise<StagingRows> {
  const { plan, statements } = staged;
  const byName = new Map(plan.meta.columns.map((c) => [c.name, c]));
  const parts = statements.changes.columns.map((name) => {
    const column = byName.get(name);
    return column ? mysqlTransport(column) : { expression: `CAST(${duckdb.quote(name)} AS VARCHAR)`, placeholder: "?" };
  });
  const reader = await duck.connection.runAndReadAll(
    `SELECT ${parts.map((p) => p.expression).join(", ")} FROM ${statements.changes.relation}`,
  );
  return {
    columns: statements.changes.columns,
    placeholders: parts.map((p) => p.placeholder),
    rows: reader.getRows().map((r) => r.map((v) => (v === null ? null : String(v)))),
  };
}

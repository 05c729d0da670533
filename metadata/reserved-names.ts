/**
 * The one list of column names a source table may not use (DESIGN §4 "Names"). DMS adds its change columns to every
 * file, the plan adds its bookkeeping columns to every relation and target, and DuckDB adds columns to the rows of the
 * files it scans: a source column with one of these names would be silently overwritten, shadow a bookkeeping column or
 * crash a reader. The plan's own guard (TablePlan), the metadata schema (format.ts) and the extractor all use it.
 *
 * This module imports nothing, so the Lambda handlers, the plan and the metadata schema can all depend on it.
 */

/** The change columns DMS writes into every file (DESIGN §4). */
export const DMS_CHANGE_COLUMNS = ["Op", "cdc_timestamp", "cdc_seq"] as const;

/** Every column the plan (and anything else this project adds to a table) is named with this prefix. */
export const RESERVED_PREFIX = "_cdc_";

/**
 * The bookkeeping names the plan uses today (handlers/core/plan/plan.ts, `DUCKDB_FILE_COLUMN` in dialect.ts). The
 * prefix alone reserves them; they are listed so a test can prove the plan uses no internal column outside this list.
 */
export const PLAN_COLUMNS = [
  "_cdc_op",
  "_cdc_seq",
  "_cdc_timestamp",
  "_cdc_row",
  "_cdc_action",
  "_cdc_file_order",
  "_cdc_file_row",
  "_cdc_file",
  "_cdc_rank",
  "_cdc_tombstone_seq",
] as const;

/**
 * Columns DuckDB's `read_parquet` adds under a name of its own choosing: `file_row_number = true` has no other name.
 * Its file-name column is not here: the plan names it `_cdc_file`, so a source column `filename` is fine.
 */
export const DUCKDB_SCAN_COLUMNS = ["file_row_number"] as const;

/**
 * Hidden columns Spark and Iceberg give every row of a table or file: the plan reads Spark's `_metadata.row_index`,
 * and Iceberg's MERGE reads `_file` and `_pos`; a data column of the same name would shadow one (Iceberg 1.7
 * MetadataColumns, Spark 3.5 file-source metadata).
 */
export const ENGINE_HIDDEN_COLUMNS = ["_metadata", "_file", "_pos", "_deleted", "_spec_id", "_partition"] as const;

/** Every reserved name; matching is case-insensitive, as every target and DMS's own output matching are. */
export const RESERVED_COLUMNS: readonly string[] = [
  ...DMS_CHANGE_COLUMNS,
  ...PLAN_COLUMNS,
  ...DUCKDB_SCAN_COLUMNS,
  ...ENGINE_HIDDEN_COLUMNS,
];

const DMS = new Set<string>(DMS_CHANGE_COLUMNS.map((c) => c.toLowerCase()));
const DUCKDB = new Set<string>(DUCKDB_SCAN_COLUMNS);
const HIDDEN = new Set<string>(ENGINE_HIDDEN_COLUMNS);

/** Why `name` cannot be a source column, or undefined when it can. */
export function reservedColumnReason(name: string): string | undefined {
  const n = name.toLowerCase();
  if (DMS.has(n)) return "DMS adds Op, cdc_timestamp and cdc_seq to every file (names match case-insensitively)";
  if (n.startsWith(RESERVED_PREFIX)) return `the pipeline names its own columns ${RESERVED_PREFIX}*`;
  if (DUCKDB.has(n)) return "DuckDB adds file_row_number to the rows of the files it reads";
  if (HIDDEN.has(n)) return "Spark and Iceberg give every row hidden columns of this name (_metadata, _file, _pos, …)";
  return undefined;
}

/** Whether `name` (any case) is reserved. */
export function isReservedColumn(name: string): boolean {
  return reservedColumnReason(name) !== undefined;
}

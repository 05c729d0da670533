/**
 * The validation rules, once (DESIGN §6): given a file's key, its Parquet footer and, where the footer has no usable
 * statistics, value summaries of the few columns that need them, list every violation. Pure: the Lambda, the CLI and
 * the large-file Glue job's SQL (see spark-sql.ts) all apply exactly these rules.
 */
import type { FileMetaData } from "hyparquet";
import { DMS_CHANGE_COLUMNS } from "../../../metadata/dms-types";
import { tableId, type ColumnMetadata, type ParquetType, type TableMetadata } from "../../../metadata/format";
import { parseDmsKey, type DmsKey } from "../dms-key";
import { summaryFromStatistics, type ColumnSummary } from "../parquet/column-summary";
import { describeType, fileColumns, type FileColumn } from "../parquet/schema";
import type { ValidationResult, Violation } from "./codes";
import { typeMatches } from "./type-match";

export const OP_COLUMN = "Op";
export const TIMESTAMP_COLUMN = "cdc_timestamp";
export const SEQ_COLUMN = "cdc_seq";
/** Op values DMS writes: full load only inserts. */
export const ALLOWED_OPS = { load: ["I"], cdc: ["D", "I", "U"] } as const;
const CHANGE_TYPE = DMS_CHANGE_COLUMNS[0].parquet as ParquetType;

export interface ValidationInput {
  /** URL-decoded S3 key, or a local path with `/` separators. */
  key: string;
  tables: readonly TableMetadata[];
  metadata: FileMetaData;
  /**
   * Summaries computed from values for columns whose footer statistics are missing or inexact (keyed by the column
   * name as written in the file). See `columnsNeedingValues`.
   */
  values?: ReadonlyMap<string, ColumnSummary>;
}

/** The key and table checks, which need no file content: BAD_KEY or UNKNOWN_TABLE, else the parsed key and table. */
export function resolveTable(
  key: string,
  tables: readonly TableMetadata[],
): { dmsKey?: DmsKey; table?: TableMetadata; errors: Violation[]; tableName: string | null } {
  const parsed = parseDmsKey(key);
  if (!parsed.ok) return { errors: [{ code: "BAD_KEY", message: parsed.reason }], tableName: null };
  const k = parsed.value;
  const lower = (s: string) => s.toLowerCase();
  const table = tables.find((t) => lower(t.schema) === lower(k.schema) && lower(t.table) === lower(k.table));
  if (!table) {
    return {
      dmsKey: k,
      tableName: `${k.schema}.${k.table}`,
      errors: [
        {
          code: "UNKNOWN_TABLE",
          message: `no metadata for table ${k.schema}.${k.table} (key ${k.key}); expected one of the ${tables.length} tables in the metadata`,
        },
      ],
    };
  }
  return { dmsKey: k, table, tableName: tableId(table), errors: [] };
}

/** A rule that needs values from a column: what it needs. */
interface ValueNeed {
  column: FileColumn;
  range: boolean;
}

/** Every footer-level check of a file against its table, plus the value checks statistics (or `values`) allow. */
export function validateParquetFile(input: ValidationInput): ValidationResult {
  const { dmsKey, table, errors, tableName } = resolveTable(input.key, input.tables);
  const rowCount = Number(input.metadata.num_rows);
  const base = { table: tableName, kind: dmsKey?.kind ?? null, rowCount, minSeq: null, maxSeq: null };
  if (!dmsKey || !table) return { ...base, valid: false, errors };

  const columns = fileColumns(input.metadata);
  const byName = new Map<string, FileColumn>();
  for (const c of columns) {
    const k = c.name.toLowerCase();
    if (byName.has(k))
      errors.push({ code: "UNEXPECTED_COLUMN", message: `column ${c.name}: appears twice (names match case-insensitively)` });
    else byName.set(k, c);
  }
  const find = (name: string) => byName.get(name.toLowerCase());
  const checkType = (name: string, expected: ParquetType, found: FileColumn) => {
    if (!typeMatches(expected, found.type)) {
      errors.push({
        code: "TYPE_MISMATCH",
        message: `column ${name}: expected ${describeType(expected)}, found ${describeType(found.type)}`,
      });
      return false;
    }
    return true;
  };

  const op = find(OP_COLUMN);
  if (!op)
    errors.push({
      code: "MISSING_OP",
      message: `column ${OP_COLUMN}: missing; expected I/U/D on every row (IncludeOpForFullLoad)`,
    });
  const opOk = op !== undefined && checkType(OP_COLUMN, CHANGE_TYPE, op);
  const ts = find(TIMESTAMP_COLUMN);
  if (!ts)
    errors.push({
      code: "MISSING_COLUMN",
      message: `column ${TIMESTAMP_COLUMN}: missing; expected ${describeType(CHANGE_TYPE)}`,
    });
  else checkType(TIMESTAMP_COLUMN, CHANGE_TYPE, ts);
  const seq = find(SEQ_COLUMN);
  if (!seq && dmsKey.kind === "cdc") {
    errors.push({
      code: "MISSING_SEQ",
      message: `column ${SEQ_COLUMN}: missing in a CDC file; expected ${describeType(CHANGE_TYPE)} ($AR_H_CHANGE_SEQ)`,
    });
  }
  const seqOk = seq !== undefined && checkType(SEQ_COLUMN, CHANGE_TYPE, seq);

  const known = new Set([OP_COLUMN, TIMESTAMP_COLUMN, SEQ_COLUMN].map((n) => n.toLowerCase()));
  const nullChecks: Array<{ meta: ColumnMetadata; file: FileColumn }> = [];
  for (const col of table.columns) {
    known.add(col.name.toLowerCase());
    const f = find(col.name);
    if (!f) {
      errors.push({
        code: "MISSING_COLUMN",
        message: `column ${col.name}: missing; expected ${describeType(col.parquet)} (${col.dmsType})`,
      });
    } else if (checkType(col.name, col.parquet, f)) {
      nullChecks.push({ meta: col, file: f });
    }
  }
  for (const c of columns) {
    if (known.has(c.name.toLowerCase())) continue;
    const excluded = table.excluded.find((x) => x.name.toLowerCase() === c.name.toLowerCase());
    const why = excluded ? `it is excluded from replication (${excluded.reason})` : `not in the metadata of ${tableId(table)}`;
    errors.push({
      code: "UNEXPECTED_COLUMN",
      message: `column ${c.name}: ${describeType(c.type)} found, but ${why}; re-extract the metadata if the source changed`,
    });
  }

  const summary = (c: FileColumn, range: boolean): ColumnSummary | undefined =>
    input.values?.get(c.name) ?? (c.required && !range ? { nullCount: 0 } : summaryFromStatistics(input.metadata, c.name, range));

  let minSeq: string | null = null;
  let maxSeq: string | null = null;
  if (op && opOk) {
    const s = summary(op, true);
    const allowed: readonly string[] = ALLOWED_OPS[dmsKey.kind];
    if (s && s.nullCount > 0)
      errors.push({
        code: "BAD_OP",
        message: `column ${op.name}: ${s.nullCount} rows have no Op; expected ${allowed.join("/")}`,
      });
    if (s?.min !== undefined && s.max !== undefined) {
      const outside = [s.min, s.max].filter((v) => !allowed.includes(v));
      if (outside.length > 0) {
        errors.push({
          code: "BAD_OP",
          message: `column ${op.name}: found ${[...new Set(outside)].map((v) => JSON.stringify(v)).join(", ")}; expected only ${allowed.join("/")} in a ${dmsKey.kind === "load" ? "full-load" : "CDC"} file`,
        });
      }
    }
  }
  if (seq && seqOk && dmsKey.kind === "cdc") {
    const s = summary(seq, true);
    if (s && s.nullCount > 0)
      errors.push({ code: "MISSING_SEQ", message: `column ${seq.name}: ${s.nullCount} rows have no change sequence` });
    if (s?.min !== undefined && s.max !== undefined) {
      const bad = [s.min, s.max].find((v) => !/^\d+$/.test(v));
      if (bad !== undefined)
        errors.push({
          code: "MISSING_SEQ",
          message: `column ${seq.name}: found ${JSON.stringify(bad)}; expected a decimal change sequence`,
        });
      else [minSeq, maxSeq] = [s.min, s.max];
    }
  }
  const pk = new Set(table.primaryKey.map((k) => k.toLowerCase()));
  for (const { meta, file } of nullChecks) {
    const isKey = pk.has(meta.name.toLowerCase());
    if (!isKey && meta.nullable) continue;
    const s = summary(file, false);
    if (!s || s.nullCount === 0) continue;
    errors.push(
      isKey
        ? {
            code: "NULL_PRIMARY_KEY",
            message: `column ${meta.name}: ${s.nullCount} rows have a null primary-key value; expected none`,
          }
        : { code: "NULL_IN_NOT_NULL", message: `column ${meta.name}: ${s.nullCount} null values in a NOT NULL column` },
    );
  }
  return { ...base, valid: errors.length === 0, errors, minSeq, maxSeq };
}

/**
 * Columns whose value rules (Op values, change sequence, nulls in key and NOT NULL columns) cannot be decided from
 * the footer's statistics. Reading just these chunks (or, for a large file, running the Glue job) completes the check.
 * Empty for a file DMS wrote with statistics.
 */
export function columnsNeedingValues(key: string, tables: readonly TableMetadata[], metadata: FileMetaData): ValueNeed[] {
  const { dmsKey, table } = resolveTable(key, tables);
  if (!dmsKey || !table) return [];
  const cols = new Map(fileColumns(metadata).map((c) => [c.name.toLowerCase(), c]));
  const needs: ValueNeed[] = [];
  const need = (name: string, range: boolean) => {
    const c = cols.get(name.toLowerCase());
    if (!c || c.nested) return;
    if (!range && c.required) return;
    if (!summaryFromStatistics(metadata, c.name, range)) needs.push({ column: c, range });
  };
  need(OP_COLUMN, true);
  if (dmsKey.kind === "cdc") need(SEQ_COLUMN, true);
  const pk = new Set(table.primaryKey.map((k) => k.toLowerCase()));
  for (const col of table.columns) if (pk.has(col.name.toLowerCase()) || !col.nullable) need(col.name, false);
  return needs;
}

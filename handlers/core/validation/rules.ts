/**
 * The validation rules, once (DESIGN §4, §6): given a file's key, its Parquet footer and value summaries of the few
 * columns that need them, list every violation. Pure: the Lambda, the CLI and the large-file Glue job's SQL (see
 * large-file-checks.ts) all apply exactly these rules.
 *
 * Values proven, not ranges: Op, cdc_seq and the primary key are always checked value by value (`columnsNeedingValues`
 * lists them whatever the statistics say), because min/max cannot exclude a value between them and a null count is a
 * summary a writer can get wrong. Statistics still decide what a summary can decide: nulls in NOT NULL non-key columns.
 */
import type { FileMetaData } from "hyparquet";
import { DMS_CHANGE_COLUMNS } from "../../../metadata/dms-types";
import { tableId, type ColumnMetadata, type ParquetType, type TableMetadata } from "../../../metadata/format";
import { parseDmsKey, type DmsKey } from "../dms-key";
import { summaryFromStatistics, type ColumnSummary } from "../parquet/column-summary";
import { SEQ_WIDTH } from "../plan/sequence";
import { describeType, fileColumns, type FileColumn } from "../parquet/schema";
import type { ValidationResult, Violation } from "./codes";
import { typeMatches } from "./type-match";

export const OP_COLUMN = "Op";
export const TIMESTAMP_COLUMN = "cdc_timestamp";
export const SEQ_COLUMN = "cdc_seq";
/** Op values DMS writes: full load only inserts. */
export const ALLOWED_OPS = { load: ["I"], cdc: ["D", "I", "U"] } as const;
/** A change sequence the targets can order: decimal digits, at most 35 (they are left-padded to 35 and compared as text). */
export const SEQ_PATTERN = new RegExp(`^[0-9]{1,${SEQ_WIDTH}}$`);
const SEQ_EXPECTED = `a decimal change sequence of 1 to ${SEQ_WIDTH} digits`;
/** A full-load row has no change sequence yet: empty or null, or else a valid one. */
const acceptLoadSeq = (v: string) => v === "" || SEQ_PATTERN.test(v);
/** Orders change sequences as the targets do: left-padded to their full width, compared as text. */
export const seqOrder = (v: string) => v.padStart(SEQ_WIDTH, "0");
const CHANGE_TYPE = DMS_CHANGE_COLUMNS[0].parquet as ParquetType;

export interface ValidationInput {
  /** URL-decoded S3 key, or a local path with `/` separators. */
  key: string;
  tables: readonly TableMetadata[];
  metadata: FileMetaData;
  /**
   * Summaries computed from values (keyed by the column name as written in the file), for the columns
   * `columnsNeedingValues` lists. Without them the Op, cdc_seq and key checks fall back to statistics, which can show
   * a violation but never prove there is none: only `validateObject`, which always reads them, gives a full verdict.
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
  // The exact name first: MySQL and PostgreSQL can hold `Orders` and `orders` side by side.
  const exact = tables.find((t) => t.schema === k.schema && t.table === k.table);
  const similar = tables.filter((t) => lower(t.schema) === lower(k.schema) && lower(t.table) === lower(k.table));
  if (!exact && similar.length > 1) {
    return {
      dmsKey: k,
      tableName: `${k.schema}.${k.table}`,
      errors: [
        {
          code: "UNKNOWN_TABLE",
          message: `table ${k.schema}.${k.table} (key ${k.key}) matches ${similar.map(tableId).join(" and ")} only by case; expected exactly one of them`,
        },
      ],
    };
  }
  const table = exact ?? similar[0];
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
export interface ValueNeed {
  column: FileColumn;
  range: boolean;
  sortKey?: (value: string) => string;
  /** Every value must pass this (Op and cdc_seq): min and max alone cannot show a bad value between them. */
  accept?: (value: string) => boolean;
  /** Count only the nulls outside delete rows, reading this Op column alongside. */
  nullsOutsideDeletes?: { opColumn: string };
  /**
   * `proof`: read for every file (Op, cdc_seq, key). `no-statistics`: read only because the footer's statistics
   * cannot answer (a NOT NULL column) — what sends a large file to the Glue job.
   */
  why: "proof" | "no-statistics";
}

/**
 * Whether a CDC file may hold deletes, from what is known of its Op column. A delete may carry only its key (the
 * before-image is partial under PostgreSQL's default replica identity or Oracle's key-only supplemental logging), so
 * nulls in its NOT NULL non-key columns are not violations. Unknown Op values: assume it may.
 */
function mayHoldDeletes(kind: "load" | "cdc", op: ColumnSummary | undefined): boolean {
  if (kind !== "cdc") return false;
  return !(op?.min !== undefined && op.max !== undefined && (op.min > "D" || op.max < "D"));
}

/** `2 rows have "E", "I "` (and others, when there were more distinct values than examples kept). */
function rejectedText(r: { count: number; examples: string[] }): string {
  const quoted = r.examples.map((v) => JSON.stringify(v)).join(", ");
  return `${r.count} rows have ${quoted}${r.count > r.examples.length && r.examples.length > 1 ? " and others" : ""}`;
}

/**
 * What to do about a Parquet TIME column: DMS writes one when the task lacks the table mappings' `change-data-type` rule
 * for a TIME column (an old task, or mappings edited by hand), and no Spark 3.5 job or Athena query can read the file.
 */
function parquetTimeHint(found: FileColumn): string {
  if ("unsupported" in found.type || found.type.logical?.type !== "TIME") return "";
  return (
    "; Spark 3.5 (Glue) and Athena cannot read a Parquet TIME column, so TIME columns travel as text HH:MM:SS[.fffffff]:" +
    " the DMS task must carry the change-data-type rule to string that its table mappings generate for this column" +
    " (redeploy the task from this metadata, then reload the table)"
  );
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
        message: `column ${name}: expected ${describeType(expected)}, found ${describeType(found.type)}${parquetTimeHint(found)}`,
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
  const opSummary = op && opOk ? summary(op, true) : undefined;
  const deletes = op !== undefined && opOk && mayHoldDeletes(dmsKey.kind, opSummary);
  if (op && opOk) {
    const s = opSummary;
    const allowed: readonly string[] = ALLOWED_OPS[dmsKey.kind];
    if (s && s.nullCount > 0)
      errors.push({
        code: "BAD_OP",
        message: `column ${op.name}: ${s.nullCount} rows have no Op; expected ${allowed.join("/")}`,
      });
    if (s?.rejected) {
      errors.push({
        code: "BAD_OP",
        message: `column ${op.name}: ${rejectedText(s.rejected)}; expected exactly ${allowed.join("/")} in a ${dmsKey.kind === "load" ? "full-load" : "CDC"} file`,
      });
    } else if (s?.min !== undefined && s.max !== undefined) {
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
      errors.push({
        code: "BAD_SEQ",
        message: `column ${seq.name}: ${s.nullCount} rows have no change sequence; expected ${SEQ_EXPECTED} on every CDC row`,
      });
    if (s?.rejected) {
      errors.push({ code: "BAD_SEQ", message: `column ${seq.name}: ${rejectedText(s.rejected)}; expected ${SEQ_EXPECTED}` });
    } else if (s?.min !== undefined && s.max !== undefined) {
      const bad = [s.min, s.max].find((v) => !SEQ_PATTERN.test(v));
      if (bad !== undefined)
        errors.push({
          code: "BAD_SEQ",
          message: `column ${seq.name}: found ${JSON.stringify(bad)}; expected ${SEQ_EXPECTED}`,
        });
      else if (s.nullCount === 0) [minSeq, maxSeq] = [s.min, s.max];
    }
  } else if (seq && seqOk) {
    const rejected = input.values?.get(seq.name)?.rejected;
    if (rejected)
      errors.push({
        code: "BAD_SEQ",
        message: `column ${seq.name}: ${rejectedText(rejected)}; expected none (empty) or ${SEQ_EXPECTED} in a full-load file`,
      });
  }
  const pk = new Set(table.primaryKey.map((k) => k.toLowerCase()));
  for (const { meta, file } of nullChecks) {
    const isKey = pk.has(meta.name.toLowerCase());
    if (!isKey && meta.nullable) continue;
    const s = summary(file, false);
    if (!s || s.nullCount === 0) continue;
    if (isKey) {
      errors.push({
        code: "NULL_PRIMARY_KEY",
        message: `column ${meta.name}: ${s.nullCount} rows have a null primary-key value; expected none`,
      });
      continue;
    }
    // Where deletes may be among the nulls, only a row-by-row count decides (read by validateObject, or the Glue job);
    // without one, every null counts: a file is never accepted on a count nobody made.
    const nulls = deletes ? (s.nullsOutsideDeletes ?? s.nullCount) : s.nullCount;
    if (nulls === 0) continue;
    errors.push({
      code: "NULL_IN_NOT_NULL",
      message: `column ${meta.name}: ${nulls} null values in a NOT NULL column${deletes ? " (in inserts and updates)" : ""}`,
    });
  }
  return { ...base, valid: errors.length === 0, errors, minSeq, maxSeq };
}

/**
 * The columns whose values validation reads: Op, cdc_seq and the primary key of every file (their rules need every
 * value; see the top of the file), and NOT NULL columns whose footer statistics cannot answer (missing, or nulls in a
 * file that may hold deletes, where only a row-by-row look tells a delete's partial before-image from a violation).
 */
export function columnsNeedingValues(key: string, tables: readonly TableMetadata[], metadata: FileMetaData): ValueNeed[] {
  const { dmsKey, table } = resolveTable(key, tables);
  if (!dmsKey || !table) return [];
  const cols = new Map(fileColumns(metadata).map((c) => [c.name.toLowerCase(), c]));
  const needs: ValueNeed[] = [];
  const find = (name: string) => {
    const c = cols.get(name.toLowerCase());
    return c && !c.nested && !needs.some((n) => n.column === c) ? c : undefined;
  };
  const allowed: readonly string[] = ALLOWED_OPS[dmsKey.kind];
  const op = find(OP_COLUMN);
  if (op) needs.push({ column: op, range: true, accept: (v) => allowed.includes(v), why: "proof" });
  const seq = find(SEQ_COLUMN);
  if (seq)
    needs.push({
      column: seq,
      range: true,
      sortKey: seqOrder,
      accept: dmsKey.kind === "cdc" ? (v) => SEQ_PATTERN.test(v) : acceptLoadSeq,
      why: "proof",
    });
  // Whether deletes are among the rows is known only once Op's values are read: its statistics are a summary a
  // damaged or hostile file may lie in. So every CDC file is taken to hold deletes here.
  const deletes = op !== undefined && mayHoldDeletes(dmsKey.kind, undefined);
  const pk = new Set(table.primaryKey.map((k) => k.toLowerCase()));
  for (const col of table.columns) {
    const c = find(col.name);
    if (!c) continue;
    if (pk.has(col.name.toLowerCase())) {
      // Read even when REQUIRED: the schema then proves there is no null, but only the pages show that they agree
      // with it (a page with definition levels in a REQUIRED column decodes into other values).
      needs.push({ column: c, range: false, why: "proof" });
    } else if (!col.nullable && !c.required) {
      const stats = summaryFromStatistics(metadata, c.name, false);
      if (!stats)
        needs.push({
          column: c,
          range: false,
          why: "no-statistics",
          ...(deletes && op ? { nullsOutsideDeletes: { opColumn: op.name } } : {}),
        });
      else if (deletes && op && stats.nullCount > 0)
        needs.push({ column: c, range: false, why: "no-statistics", nullsOutsideDeletes: { opColumn: op.name } });
    }
  }
  return needs;
}

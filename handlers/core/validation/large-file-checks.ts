/**
 * The value rules of rules.ts rendered as one SQL aggregate, for files above `largeFileBytes` whose footer lacks
 * statistics: the large-file Glue job runs the Spark rendering, local runs and tests the DuckDB one. The job returns
 * the single result row unchanged, and {@link largeFileVerdict} turns it into the same result the Lambda would have
 * produced — every check whose count is above zero becomes a violation with its code and message (`{count}` filled
 * in). Schema rules need no scan: the Lambda has already applied them from the footer.
 *
 * The same value rules as rules.ts, row by row: Op exactly one of the allowed letters (SQL `IN` compares exactly, so
 * `'I '` and `'i'` fail), cdc_seq 1–35 ASCII digits on every CDC row, no null key. A full-load file's cdc_seq is
 * proven by the Lambda before the hand-off (DMS leaves it empty there, and the file need not carry the column, which
 * SQL rendered from the metadata alone could not tell).
 */
import type { TableMetadata } from "../../../metadata/format";
import type { Violation, ViolationCode } from "./codes";
import { SEQ_WIDTH } from "../plan/sequence";
import { ALLOWED_OPS, OP_COLUMN, SEQ_COLUMN, SEQ_PATTERN } from "./rules";
import { sparkFilePath } from "../spark-path";

export interface LargeFileCheck {
  /** Result column holding the count of offending rows. */
  alias: string;
  code: ViolationCode;
  column: string;
  /** The violation message, with `{count}` to fill in. */
  message: string;
}

export interface LargeFileChecks {
  sql: string;
  checks: LargeFileCheck[];
  /** Result columns with the file's row count and, for CDC files, its smallest and largest change sequence. */
  rowCountAlias: "row_count";
  seqAliases?: { min: "min_seq"; max: "max_seq" };
}

/** What differs between the engines that run the checks. */
export interface CheckDialect {
  quote(name: string): string;
  literal(value: string): string;
  /** `expr` fully matches the regular expression `pattern` (anchored by the caller). */
  matches(expr: string, pattern: string): string;
  /** The relation that reads one Parquet file. */
  file(uri: string): string;
}

/** Spark SQL on Glue: backtick identifiers, backslash-escaped literals, `parquet.\`uri\``. */
export const sparkChecks: CheckDialect = {
  quote: (name) => `\`${name.replace(/`/g, "``")}\``,
  literal: (s) => `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`,
  // Java's `$` also matches before a line break that ends the input, so `'1\n' RLIKE '^[0-9]+$'` is true: the
  // caller's closing `$` becomes `\z`, the very end (DuckDB's RE2 `$` already is).
  matches: (expr, pattern) => `${expr} RLIKE ${sparkChecks.literal(pattern.replace(/\$$/, "\\z"))}`,
  file: (uri) => `parquet.${sparkChecks.quote(sparkFilePath(uri))}`,
};

/** DuckDB, which runs the same checks in local mode and in the tests. */
export const duckdbChecks: CheckDialect = {
  quote: (name) => `"${name.replace(/"/g, '""')}"`,
  literal: (s) => `'${s.replace(/'/g, "''")}'`,
  matches: (expr, pattern) => `regexp_matches(${expr}, ${duckdbChecks.literal(pattern)})`,
  file: (uri) => `read_parquet(${duckdbChecks.literal(uri)})`,
};

export function renderLargeFileChecks(
  table: TableMetadata,
  kind: "load" | "cdc",
  fileUri: string,
  d: CheckDialect = sparkChecks,
): LargeFileChecks {
  const checks: LargeFileCheck[] = [];
  const select: string[] = ["COUNT(*) AS row_count"];
  const add = (code: ViolationCode, column: string, condition: string, message: string) => {
    const alias = `check_${checks.length + 1}`;
    checks.push({ alias, code, column, message });
    select.push(`COUNT_IF(${condition}) AS ${alias}`);
  };
  const allowed = ALLOWED_OPS[kind];
  const op = d.quote(OP_COLUMN);
  add(
    "BAD_OP",
    OP_COLUMN,
    `${op} IS NULL OR ${op} NOT IN (${allowed.map(d.literal).join(", ")})`,
    `column ${OP_COLUMN}: {count} rows have no Op or one outside ${allowed.join("/")}`,
  );
  let seqAliases: LargeFileChecks["seqAliases"];
  if (kind === "cdc") {
    const seq = d.quote(SEQ_COLUMN);
    add(
      "BAD_SEQ",
      SEQ_COLUMN,
      `${seq} IS NULL OR NOT (${d.matches(seq, `^[0-9]{1,${SEQ_WIDTH}}$`)})`,
      `column ${SEQ_COLUMN}: {count} rows have no decimal change sequence of 1 to ${SEQ_WIDTH} digits`,
    );
    // Ordered as the targets order them (left-padded), reported as written: as rules.ts does.
    const padded = `LPAD(${seq}, ${SEQ_WIDTH}, '0')`;
    select.push(`MIN_BY(${seq}, ${padded}) AS min_seq`, `MAX_BY(${seq}, ${padded}) AS max_seq`);
    seqAliases = { min: "min_seq", max: "max_seq" };
  }
  const pk = new Set(table.primaryKey.map((k) => k.toLowerCase()));
  for (const col of table.columns) {
    if (pk.has(col.name.toLowerCase())) {
      add(
        "NULL_PRIMARY_KEY",
        col.name,
        `${d.quote(col.name)} IS NULL`,
        `column ${col.name}: {count} rows have a null primary-key value; expected none`,
      );
    } else if (!col.nullable) {
      // A delete may carry only its key (partial before-image): its nulls are not violations (see rules.ts).
      add(
        "NULL_IN_NOT_NULL",
        col.name,
        kind === "cdc" ? `${d.quote(col.name)} IS NULL AND (${op} IS NULL OR ${op} <> 'D')` : `${d.quote(col.name)} IS NULL`,
        `column ${col.name}: {count} null values in a NOT NULL column${kind === "cdc" ? " (in inserts and updates)" : ""}`,
      );
    }
  }
  const sql = `SELECT\n  ${select.join(",\n  ")}\nFROM ${d.file(fileUri)}`;
  return { sql, checks, rowCountAlias: "row_count", seqAliases };
}

/** The verdict of a large file: its violations, row count and sequence range, from the checks' one result row. */
export interface LargeFileVerdict {
  errors: Violation[];
  rowCount: number;
  minSeq: string | null;
  maxSeq: string | null;
}

/**
 * Reads the result row the job returned (column → number, numeric string or null), throwing on a row that does not
 * answer every check: a verdict must never be assumed.
 */
export function largeFileVerdict(checks: LargeFileChecks, row: Readonly<Record<string, unknown>>): LargeFileVerdict {
  const count = (alias: string): number => {
    const v = row[alias];
    const n = typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v) ? Number(v) : NaN;
    if (!Number.isSafeInteger(n) || n < 0)
      throw new Error(`large-file result: ${alias} is ${JSON.stringify(v)}, expected a count`);
    return n;
  };
  const errors = checks.checks.flatMap((c) => {
    const n = count(c.alias);
    return n > 0 ? [{ code: c.code, message: c.message.replace("{count}", String(n)) }] : [];
  });
  const rowCount = count(checks.rowCountAlias);
  let [minSeq, maxSeq]: Array<string | null> = [null, null];
  // Only a sequence every row passed is reported: with BAD_SEQ violations the file is quarantined anyway.
  if (checks.seqAliases && rowCount > 0 && !errors.some((e) => e.code === "BAD_SEQ")) {
    [minSeq, maxSeq] = [row[checks.seqAliases.min], row[checks.seqAliases.max]].map((v) => {
      if (typeof v !== "string" || !SEQ_PATTERN.test(v))
        throw new Error(`large-file result: change sequence ${JSON.stringify(v)}`);
      return v;
    });
  }
  return { errors, rowCount, minSeq, maxSeq };
}

/** The verdict of a large file Spark could not decode: CORRUPT_FILE with the reader's cause, as the Lambda's own reader
 * gives for bytes it cannot decode. */
export function unreadableLargeFileVerdict(key: string, cause: string): LargeFileVerdict {
  const line = cause.replace(/\s+/g, " ").trim();
  return {
    errors: [{ code: "CORRUPT_FILE", message: `${key}: Spark could not decode the file (large-file job): ${line}` }],
    rowCount: 0,
    minSeq: null,
    maxSeq: null,
  };
}

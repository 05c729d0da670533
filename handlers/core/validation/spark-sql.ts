/**
 * The value rules of rules.ts rendered as one Spark SQL aggregate, for the large-file Glue job: a file above
 * `largeFileBytes` whose footer lacks statistics is scanned by Spark instead of the Lambda. The job runs `sql`,
 * reads the single result row, and reports every check whose count is above zero with its code and message
 * (`{count}` replaced). Schema rules need no scan: the Lambda has already applied them from the footer.
 */
import type { TableMetadata } from "../../../metadata/format";
import type { ViolationCode } from "./codes";
import { SEQ_WIDTH } from "../plan/sequence";
import { ALLOWED_OPS, OP_COLUMN, SEQ_COLUMN } from "./rules";

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

const ident = (name: string) => `\`${name.replace(/`/g, "``")}\``;
const literal = (s: string) => `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;

export function renderLargeFileChecks(table: TableMetadata, kind: "load" | "cdc", fileUri: string): LargeFileChecks {
  const checks: LargeFileCheck[] = [];
  const select: string[] = ["COUNT(*) AS row_count"];
  const add = (code: ViolationCode, column: string, condition: string, message: string) => {
    const alias = `check_${checks.length + 1}`;
    checks.push({ alias, code, column, message });
    select.push(`COUNT_IF(${condition}) AS ${alias}`);
  };
  const allowed = ALLOWED_OPS[kind];
  const op = ident(OP_COLUMN);
  add(
    "BAD_OP",
    OP_COLUMN,
    `${op} IS NULL OR ${op} NOT IN (${allowed.map(literal).join(", ")})`,
    `column ${OP_COLUMN}: {count} rows have no Op or one outside ${allowed.join("/")}`,
  );
  let seqAliases: LargeFileChecks["seqAliases"];
  if (kind === "cdc") {
    const seq = ident(SEQ_COLUMN);
    add(
      "MISSING_SEQ",
      SEQ_COLUMN,
      `${seq} IS NULL OR NOT (${seq} RLIKE '^[0-9]{1,${SEQ_WIDTH}}$')`,
      `column ${SEQ_COLUMN}: {count} rows have no decimal change sequence of at most ${SEQ_WIDTH} digits`,
    );
    select.push(`MIN(${seq}) AS min_seq`, `MAX(${seq}) AS max_seq`);
    seqAliases = { min: "min_seq", max: "max_seq" };
  }
  const pk = new Set(table.primaryKey.map((k) => k.toLowerCase()));
  for (const col of table.columns) {
    if (pk.has(col.name.toLowerCase())) {
      add(
        "NULL_PRIMARY_KEY",
        col.name,
        `${ident(col.name)} IS NULL`,
        `column ${col.name}: {count} rows have a null primary-key value; expected none`,
      );
    } else if (!col.nullable) {
      // A delete may carry only its key (partial before-image): its nulls are not violations (see rules.ts).
      add(
        "NULL_IN_NOT_NULL",
        col.name,
        kind === "cdc" ? `${ident(col.name)} IS NULL AND (${op} IS NULL OR ${op} <> 'D')` : `${ident(col.name)} IS NULL`,
        `column ${col.name}: {count} null values in a NOT NULL column${kind === "cdc" ? " (in inserts and updates)" : ""}`,
      );
    }
  }
  const sql = `SELECT\n  ${select.join(",\n  ")}\nFROM parquet.${ident(fileUri)}`;
  return { sql, checks, rowCountAlias: "row_count", seqAliases };
}

/**
 * Stable violation codes. They appear in quarantine object metadata, alerts, metrics and `cdc validate --json`, so
 * dashboards and runbooks can key on them: never rename one.
 */
export const VIOLATION_CODES = [
  "EMPTY_FILE",
  "NOT_PARQUET",
  "TRUNCATED",
  "BAD_KEY",
  "UNKNOWN_TABLE",
  "MISSING_COLUMN",
  "UNEXPECTED_COLUMN",
  "TYPE_MISMATCH",
  "MISSING_OP",
  "BAD_OP",
  "MISSING_SEQ",
  "NULL_PRIMARY_KEY",
  "NULL_IN_NOT_NULL",
  /** A cdc_seq value that is not 1–35 decimal digits, or none on a CDC row (MISSING_SEQ: the column is missing). */
  "BAD_SEQ",
  /** The file's bytes cannot be read (footer, page or value) or contradict themselves. */
  "CORRUPT_FILE",
] as const;

export type ViolationCode = (typeof VIOLATION_CODES)[number];

export interface Violation {
  code: ViolationCode;
  /** One line naming the column (where there is one), what was expected and what was found. */
  message: string;
}

/**
 * Stable warning codes: findings on a file that is still valid and moves on (metrics and messages key on them).
 * LOB_POSSIBLY_TRUNCATED: LOB values whose size reaches the task's LobMaxSize (limited LOB mode cuts longer ones).
 */
export const WARNING_CODES = ["LOB_POSSIBLY_TRUNCATED"] as const;

export type WarningCode = (typeof WARNING_CODES)[number];

export interface ValidationWarning {
  code: WarningCode;
  /** The metadata column the warning is about. */
  column: string;
  /** Values concerned. */
  count: number;
  /** One line naming the table and column, what was found and what to do. */
  message: string;
}

/** The outcome for one file. */
export interface ValidationResult {
  valid: boolean;
  /** `<schema>.<table>` as named by the metadata, or as in the key when the table is unknown; null for a bad key. */
  table: string | null;
  kind: "load" | "cdc" | null;
  errors: Violation[];
  rowCount: number;
  /** Smallest and largest cdc_seq of a CDC file; null for full-load files and files that failed before reading them. */
  minSeq: string | null;
  maxSeq: string | null;
  /** Findings that do not make the file invalid (absent: none). */
  warnings?: ValidationWarning[];
}

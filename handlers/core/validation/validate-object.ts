/**
 * Validating one file end to end through a range reader: footer (≤ 2 reads), then — only when statistics are
 * missing — the few column chunks the value rules need, or, above `largeFileBytes`, a hand-off to the large-file
 * Glue job. Used by the validate Lambda (S3 reader), `cdc validate` and `cdc replay` (local files).
 */
import * as path from "node:path";
import type { TableMetadata } from "../../../metadata/format";
import { summariesFromValues, UndecodableChunksError, type ColumnSummary } from "../parquet/column-summary";
import { readFooter } from "../parquet/footer";
import { fileReader, type RangeReader } from "../parquet/range-reader";
import type { ValidationResult } from "./codes";
import { columnsNeedingValues, resolveTable, validateParquetFile } from "./rules";

export interface ValidateObjectOptions {
  /** URL-decoded S3 key (or local path with `/`): it names the table. */
  key: string;
  tables: readonly TableMetadata[];
  reader: RangeReader;
  /**
   * Files at least this big whose statistics are missing are not read column by column here; the result says
   * `largeFileJob` with the columns the job must check. Default: never hand off.
   */
  largeFileBytes?: number;
}

export interface ObjectValidation extends ValidationResult {
  /** Set when the verdict is deferred to the large-file Glue job (`valid` is then false and `errors` empty). */
  largeFileJob?: { columns: string[] };
}

export async function validateObject(opts: ValidateObjectOptions): Promise<ObjectValidation> {
  const resolved = resolveTable(opts.key, opts.tables);
  const footer = await readFooter(opts.reader);
  if (!footer.ok) {
    return {
      valid: false,
      table: resolved.tableName,
      kind: resolved.dmsKey?.kind ?? null,
      errors: [...resolved.errors, { code: footer.code, message: footer.message }],
      rowCount: 0,
      minSeq: null,
      maxSeq: null,
    };
  }
  const needs = columnsNeedingValues(opts.key, opts.tables, footer.metadata);
  let values: Map<string, ColumnSummary> | undefined;
  if (needs.length > 0) {
    const names = needs.map((n) => n.column.name);
    if (opts.largeFileBytes !== undefined && opts.reader.byteLength >= opts.largeFileBytes) {
      const r = validateParquetFile({ key: opts.key, tables: opts.tables, metadata: footer.metadata });
      // Schema problems are certain from the footer alone; only a file that passes them needs the job.
      if (!r.valid) return r;
      return { ...r, valid: false, largeFileJob: { columns: names } };
    }
    try {
      values = await summariesFromValues(
        opts.reader,
        footer.metadata,
        needs.map((n) => ({ name: n.column.name, range: n.range, accept: n.accept, nullsOutsideDeletes: n.nullsOutsideDeletes })),
      );
    } catch (err) {
      // Only a verdict on the file's bytes quarantines it; a failed read (throttling, network) is retried instead.
      if (!(err instanceof UndecodableChunksError)) throw err;
      const reason = err.message;
      return {
        valid: false,
        table: resolved.tableName,
        kind: resolved.dmsKey?.kind ?? null,
        errors: [{ code: "NOT_PARQUET", message: `column chunks of ${names.join(", ")} do not decode (${reason})` }],
        rowCount: Number(footer.metadata.num_rows),
        minSeq: null,
        maxSeq: null,
      };
    }
  }
  return validateParquetFile({ key: opts.key, tables: opts.tables, metadata: footer.metadata, values });
}

/**
 * Validates a local file exactly as the Lambda would validate the same bytes at the same key: the table comes from
 * the last three path segments (`…/<schema>/<table>/<file>.parquet`). Always a full verdict (no large-file hand-off).
 */
export async function validateLocalFile(file: string, tables: readonly TableMetadata[]): Promise<ValidationResult> {
  const key = path.resolve(file).split(path.sep).join("/");
  return validateObject({ key, tables, reader: fileReader(file) });
}

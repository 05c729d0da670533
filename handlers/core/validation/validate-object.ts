/**
 * Validating one file end to end through a range reader: footer (≤ 2 reads), then the column chunks the value rules
 * need (Op, cdc_seq, key; more where statistics are missing) by range — none when the footer read already holds them —
 * or, above `largeFileBytes`, a hand-off to the large-file Glue job. Used by the validate Lambda (S3 reader),
 * `cdc validate` and `cdc replay` (local files).
 *
 * Damaged input is a verdict, never an exception: anything that fails while decoding the file's bytes becomes
 * CORRUPT_FILE naming the file. Only the reader's own failures (throttling, network) propagate, to be retried.
 */
import * as path from "node:path";
import { tableId, type TableMetadata } from "../../../metadata/format";
import { chunkRange } from "../parquet/chunk-fetch";
import { summariesFromValues, type ValueRequest } from "../parquet/column-summary";
import { reasonOf } from "../parquet/corrupt";
import { readFooter } from "../parquet/footer";
import { fileReader, type RangeReader } from "../parquet/range-reader";
import type { ValidationResult } from "./codes";
import { latestCommitAt } from "./commit-time";
import { lobTruncationWarnings } from "./lob-limit";
import { columnsNeedingValues, resolveTable, SEQ_COLUMN, validateParquetFile, type ValueNeed } from "./rules";

const valueRequest = (n: ValueNeed): ValueRequest => ({
  name: n.column.name,
  range: n.range,
  sortKey: n.sortKey,
  accept: n.accept,
  nullsOutsideDeletes: n.nullsOutsideDeletes,
});

export interface ValidateObjectOptions {
  /** URL-decoded S3 key (or local path with `/`): it names the table. */
  key: string;
  tables: readonly TableMetadata[];
  reader: RangeReader;
  /**
   * Files at least this big are not read column by column here when their statistics are missing, or when the chunks
   * to read are themselves this big; the result says `largeFileJob` with the columns the job must check. Default:
   * never hand off.
   */
  largeFileBytes?: number;
  /**
   * The task's LobMaxSize in bytes when it runs in limited LOB mode: LOB values that reach it are flagged as possibly
   * truncated (lob-limit.ts). Absent (full LOB mode, or unknown): no LOB value is read.
   */
  lobLimitBytes?: number;
}

export interface ObjectValidation extends ValidationResult {
  /** Set when the verdict is deferred to the large-file Glue job (`valid` is then false and `errors` empty). */
  largeFileJob?: { columns: string[] };
  /** The file's latest `cdc_timestamp` (ISO-8601 UTC) when its footer has statistics for it (commit-time.ts). */
  latestCommitAt?: string;
}

/**
 * Every message on one line, whatever the file holds: a damaged footer can name a column with a line break in it.
 * The break is shown escaped (`\n`), as JSON would.
 */
function oneLine<T extends ObjectValidation>(r: T): T {
  const escapes: Record<string, string> = { "\r": "\\r", "\n": "\\n", "\u2028": "\\u2028", "\u2029": "\\u2029" };
  const escape = (text: string) => text.replace(/[\r\n\u2028\u2029]/g, (c) => escapes[c]);
  return { ...r, errors: r.errors.map((e) => ({ ...e, message: escape(e.message) })) };
}

export async function validateObject(opts: ValidateObjectOptions): Promise<ObjectValidation> {
  return oneLine(await validate(opts));
}

async function validate(opts: ValidateObjectOptions): Promise<ObjectValidation> {
  const resolved = resolveTable(opts.key, opts.tables);
  const base = { valid: false, table: resolved.tableName, kind: resolved.dmsKey?.kind ?? null, minSeq: null, maxSeq: null };
  // Which failures are the reader's (retried) and which the file's (a verdict): a read that failed marks itself.
  let readFailed = false;
  const reader: RangeReader = {
    byteLength: opts.reader.byteLength,
    read: (start, end) =>
      opts.reader.read(start, end).catch((err: unknown) => {
        readFailed = true;
        throw err;
      }),
  };
  let rowCount = 0;
  try {
    const footer = await readFooter(reader);
    if (!footer.ok) {
      const message = footer.code === "CORRUPT_FILE" ? `${opts.key}: ${footer.message}` : footer.message;
      return { ...base, rowCount, errors: [...resolved.errors, { code: footer.code, message }] };
    }
    const metadata = footer.metadata;
    rowCount = Number(metadata.num_rows);
    const needs = columnsNeedingValues(opts.key, opts.tables, metadata);
    const names = needs.map((n) => n.column.name);
    if (opts.largeFileBytes !== undefined && reader.byteLength >= opts.largeFileBytes) {
      const chunkBytes = metadata.row_groups
        .flatMap((rg) => rg.columns)
        .filter((c) => c.meta_data?.path_in_schema.length === 1 && names.includes(c.meta_data.path_in_schema[0]))
        .reduce((sum, c) => sum + (c.meta_data ? chunkRange(c.meta_data).end - chunkRange(c.meta_data).start : 0), 0);
      if (needs.some((n) => n.why === "no-statistics") || chunkBytes >= opts.largeFileBytes) {
        // The job's SQL cannot check a full-load file's cdc_seq (large-file-checks.ts): proven here, a few bytes.
        const loadSeq =
          resolved.dmsKey?.kind === "load" ? needs.filter((n) => n.column.name.toLowerCase() === SEQ_COLUMN.toLowerCase()) : [];
        const values = await summariesFromValues(reader, metadata, loadSeq.map(valueRequest), footer.tail);
        const r = validateParquetFile({ key: opts.key, tables: opts.tables, metadata, values });
        // Schema problems are certain from the footer alone; only a file that passes them needs the job.
        if (!r.valid) return r;
        return { ...r, valid: false, largeFileJob: { columns: names } };
      }
    }
    const values = await summariesFromValues(reader, metadata, needs.map(valueRequest), footer.tail);
    const verdict = validateParquetFile({ key: opts.key, tables: opts.tables, metadata, values });
    if (!verdict.valid) return verdict;
    const committed = latestCommitAt(metadata);
    const table = opts.tables.find((t) => tableId(t) === verdict.table);
    const warnings =
      opts.lobLimitBytes !== undefined && table
        ? await lobTruncationWarnings({ reader, metadata, table, limitBytes: opts.lobLimitBytes, held: footer.tail })
        : [];
    return {
      ...verdict,
      ...(committed !== undefined && { latestCommitAt: committed }),
      ...(warnings.length > 0 && { warnings }),
    };
  } catch (err) {
    if (readFailed) throw err;
    return { ...base, rowCount, errors: [{ code: "CORRUPT_FILE", message: `${opts.key}: ${reasonOf(err)}` }] };
  }
}

/**
 * Validates a local file exactly as the Lambda would validate the same bytes at the same key: the table comes from
 * the last three path segments (`…/<schema>/<table>/<file>.parquet`). Always a full verdict (no large-file hand-off).
 */
export async function validateLocalFile(
  file: string,
  tables: readonly TableMetadata[],
  lobLimitBytes?: number,
): Promise<ValidationResult> {
  const key = path.resolve(file).split(path.sep).join("/");
  return validateObject({ key, tables, reader: fileReader(file), lobLimitBytes });
}

/**
 * What the rules need to know about a column's values: how many are null, and the smallest and largest value
 * (only for `Op` and `cdc_seq`). Taken from footer statistics when every row group has them, else computed from the
 * column's values after a range read of just that column's chunks.
 */
import type { FileMetaData, Statistics } from "hyparquet";
import { hyparquet } from "./esm";
import type { RangeReader } from "./range-reader";

export interface ColumnSummary {
  nullCount: number;
  /** Smallest and largest non-null values as strings; absent when every value is null or when not asked for. */
  min?: string;
  max?: string;
  /**
   * Non-null values the column's `accept` test refused (counted from values only: statistics cannot tell), with up
   * to {@link MAX_REJECTED_EXAMPLES} distinct examples for the message.
   */
  rejected?: { count: number; examples: string[] };
  /** Nulls in rows whose Op is not `D` (asked for with `nullsOutsideDeletes`). */
  nullsOutsideDeletes?: number;
}

/** Distinct refused values kept for a violation message. */
export const MAX_REJECTED_EXAMPLES = 3;

/** What to compute for one column from its values. */
export interface ValueRequest {
  /** Column name as written in the file. */
  name: string;
  /** Also compute min and max. */
  range: boolean;
  /** Every non-null value must pass this test; the ones that do not are counted in `rejected`. */
  accept?: (value: string) => boolean;
  /**
   * Also count the nulls outside delete rows, reading the named Op column alongside: a delete may carry only its key
   * (PostgreSQL's default replica identity, Oracle's key-only supplemental logging).
   */
  nullsOutsideDeletes?: { opColumn: string };
}

/**
 * The footer describes column chunks that cannot be read as Parquet (outside the file, or not decodable). Only this
 * error means the file is bad; any other error from `summariesFromValues` is the reader's (S3 throttling, a network
 * failure, a file replaced mid-read) and must not be mistaken for a verdict on the file.
 */
export class UndecodableChunksError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UndecodableChunksError";
  }
}

/** Per-column summary from the footer alone, or undefined when a row group lacks the statistic (or it is inexact). */
export function summaryFromStatistics(metadata: FileMetaData, column: string, wantRange: boolean): ColumnSummary | undefined {
  let nullCount = 0;
  let min: string | undefined;
  let max: string | undefined;
  for (const rg of metadata.row_groups) {
    const chunk = rg.columns.find((c) => c.meta_data?.path_in_schema.length === 1 && c.meta_data.path_in_schema[0] === column);
    const stats = chunk?.meta_data?.statistics;
    if (stats?.null_count === undefined) return undefined;
    nullCount += Number(stats.null_count);
    if (!wantRange) continue;
    const nonNull = BigInt(rg.num_rows) - stats.null_count;
    if (nonNull === 0n) continue;
    if (stats.is_min_value_exact === false || stats.is_max_value_exact === false) return undefined;
    const lo = asString(stats.min_value ?? stats.min);
    const hi = asString(stats.max_value ?? stats.max);
    if (lo === undefined || hi === undefined) return undefined;
    if (min === undefined || lo < min) min = lo;
    if (max === undefined || hi > max) max = hi;
  }
  return { nullCount, min, max };
}

function asString(v: Statistics["min"]): string | undefined {
  if (v === undefined) return undefined;
  if (v instanceof Uint8Array) return new TextDecoder().decode(v);
  return typeof v === "string" ? v : undefined;
}

/**
 * Reads only the requested columns' chunks (by range) and summarises their values. Values are compared as strings,
 * which orders equal-length digit strings numerically. Throws {@link UndecodableChunksError} when the chunks the
 * footer describes cannot be read as Parquet; errors of the reader itself propagate unchanged.
 */
export async function summariesFromValues(
  reader: RangeReader,
  metadata: FileMetaData,
  requests: readonly ValueRequest[],
): Promise<Map<string, ColumnSummary>> {
  const out = new Map<string, ColumnSummary>(requests.map((r) => [r.name, { nullCount: 0 }]));
  if (requests.length === 0) return out;
  const byName = new Map(requests.map((r) => [r.name, r]));
  const opColumn = requests.find((r) => r.nullsOutsideDeletes)?.nullsOutsideDeletes?.opColumn;
  const columns = [...new Set([...requests.map((r) => r.name), ...(opColumn ? [opColumn] : [])])];
  // Row-aligned when deletes matter: which rows are deletes (a byte per row), and where each such column is null.
  const deleteRows = new Uint8Array(opColumn ? Number(metadata.num_rows) : 0);
  const nullRows = new Map<string, number[]>();
  const file = await prefetchChunks(reader, metadata, columns);
  try {
    await hyparquet.parquetRead({
      file,
      metadata,
      columns,
      rowFormat: "object",
      onChunk: (chunk) => {
        if (chunk.columnName === opColumn) {
          for (let i = 0; i < chunk.columnData.length; i++) {
            const op: unknown = chunk.columnData[i];
            if ((op instanceof Uint8Array ? new TextDecoder().decode(op) : op) === "D") deleteRows[chunk.rowStart + i] = 1;
          }
        }
        const s = out.get(chunk.columnName);
        const req = byName.get(chunk.columnName);
        if (!s || !req) return;
        for (let i = 0; i < chunk.columnData.length; i++) {
          const v: unknown = chunk.columnData[i];
          if (v === null || v === undefined) {
            s.nullCount++;
            if (req.nullsOutsideDeletes) {
              const rows = nullRows.get(req.name) ?? [];
              rows.push(chunk.rowStart + i);
              nullRows.set(req.name, rows);
            }
            continue;
          }
          if (!req.range && !req.accept) continue;
          const text = v instanceof Uint8Array ? new TextDecoder().decode(v) : String(v);
          if (req.range) {
            if (s.min === undefined || text < s.min) s.min = text;
            if (s.max === undefined || text > s.max) s.max = text;
          }
          if (req.accept && !req.accept(text)) {
            s.rejected ??= { count: 0, examples: [] };
            s.rejected.count++;
            if (s.rejected.examples.length < MAX_REJECTED_EXAMPLES && !s.rejected.examples.includes(text))
              s.rejected.examples.push(text);
          }
        }
      },
    });
  } catch (err) {
    throw new UndecodableChunksError(err instanceof Error ? err.message : String(err));
  }
  for (const r of requests) {
    if (!r.nullsOutsideDeletes) continue;
    (out.get(r.name) as ColumnSummary).nullsOutsideDeletes = (nullRows.get(r.name) ?? []).filter(
      (row) => deleteRows[row] !== 1,
    ).length;
  }
  return out;
}

/** Ranges closer than this are fetched as one request. */
const COALESCE_GAP = 64 * 1024;

/**
 * Reads the byte ranges of the named columns' chunks up front (adjacent ranges coalesced) and serves hyparquet from
 * them synchronously. Synchronous on purpose: hyparquet tells prefetched data by `instanceof Promise`, which fails
 * for promises from another realm (jest's sandbox).
 */
async function prefetchChunks(reader: RangeReader, metadata: FileMetaData, columns: string[]) {
  const wanted = new Set(columns);
  const ranges: Array<[number, number]> = [];
  for (const rg of metadata.row_groups) {
    for (const c of rg.columns) {
      const md = c.meta_data;
      if (!md || md.path_in_schema.length !== 1 || !wanted.has(md.path_in_schema[0])) continue;
      // `||`, as hyparquet itself does: some writers put 0 in dictionary_page_offset when there is no dictionary.
      const start = Number(md.dictionary_page_offset || md.data_page_offset);
      const end = start + Number(md.total_compressed_size);
      // A footer pointing outside the file is a broken file, not a range to request (S3 would answer 416).
      if (!(start >= 0 && end > start && end <= reader.byteLength))
        throw new UndecodableChunksError(
          `column ${md.path_in_schema[0]}: its chunk at bytes ${start}-${end} lies outside the ${reader.byteLength}-byte file`,
        );
      ranges.push([start, end]);
    }
  }
  ranges.sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r[0] - last[1] <= COALESCE_GAP) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  const fetched = await Promise.all(merged.map(async ([start, end]) => ({ start, end, bytes: await reader.read(start, end) })));
  return {
    byteLength: reader.byteLength,
    slice(start: number, end?: number): ArrayBuffer {
      const stop = end ?? reader.byteLength;
      const hit = fetched.find((f) => f.start <= start && stop <= f.end);
      if (!hit) throw new Error(`bytes ${start}-${stop} lie outside the column chunks the footer describes`);
      const own = new Uint8Array(stop - start);
      own.set(hit.bytes.subarray(start - hit.start, stop - hit.start));
      return own.buffer;
    },
  };
}

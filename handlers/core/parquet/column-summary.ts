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
 * Reads only the named columns' chunks (by range) and summarises their values. Range summaries are computed for the
 * columns in `withRange`. Values are compared as strings, which orders equal-length digit strings numerically.
 */
export async function summariesFromValues(
  reader: RangeReader,
  metadata: FileMetaData,
  columns: string[],
  withRange: ReadonlySet<string>,
): Promise<Map<string, ColumnSummary>> {
  const out = new Map<string, ColumnSummary>(columns.map((c) => [c, { nullCount: 0 }]));
  if (columns.length === 0) return out;
  const file = await prefetchChunks(reader, metadata, columns);
  await hyparquet.parquetRead({
    file,
    metadata,
    columns,
    rowFormat: "object",
    onChunk: (chunk) => {
      const s = out.get(chunk.columnName);
      if (!s) return;
      const range = withRange.has(chunk.columnName);
      for (const v of chunk.columnData) {
        if (v === null || v === undefined) {
          s.nullCount++;
        } else if (range) {
          const text = v instanceof Uint8Array ? new TextDecoder().decode(v) : String(v);
          if (s.min === undefined || text < s.min) s.min = text;
          if (s.max === undefined || text > s.max) s.max = text;
        }
      }
    },
  });
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
      const start = Number(md.dictionary_page_offset ?? md.data_page_offset);
      ranges.push([start, start + Number(md.total_compressed_size)]);
    }
  }
  ranges.sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r[0] - last[1] <= COALESCE_GAP) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  const fetched = await Promise.all(
    merged.map(async ([start, end]) => ({ start, end, bytes: await reader.read(start, Math.min(end, reader.byteLength)) })),
  );
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

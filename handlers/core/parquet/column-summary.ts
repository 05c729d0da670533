/**
 * What the rules need to know about a column's values: how many are null, which values a rule refuses, and the
 * smallest and largest value. From the values themselves (a range read of just that column's chunks, page by page)
 * for every column whose values must be proven; from footer statistics only where a summary is enough (see rules.ts).
 */
import type { FileMetaData, Statistics } from "hyparquet";
import { readChunkPages, type ChunkContent } from "./chunk-pages";
import { chunkRange, fetchChunks, type HeldBytes } from "./chunk-fetch";
import { CorruptFileError } from "./corrupt";
import type { RangeReader } from "./range-reader";
import { fileColumns } from "./schema";

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
  /** Also compute min and max, ordered by `sortKey` (default: the text itself). */
  range: boolean;
  sortKey?: (value: string) => string;
  /** Every non-null value must pass this test; the ones that do not are counted in `rejected`. */
  accept?: (value: string) => boolean;
  /**
   * Also count the nulls outside delete rows, reading the named Op column alongside: a delete may carry only its key
   * (PostgreSQL's default replica identity, Oracle's key-only supplemental logging).
   */
  nullsOutsideDeletes?: { opColumn: string };
}

/** Per-column summary from the footer alone, or undefined when a row group lacks the statistic (or it is inexact). */
export function summaryFromStatistics(metadata: FileMetaData, column: string, wantRange: boolean): ColumnSummary | undefined {
  let nullCount = 0;
  let min: string | undefined;
  let max: string | undefined;
  for (const rg of metadata.row_groups) {
    const chunk = rg.columns.find((c) => c.meta_data?.path_in_schema.length === 1 && c.meta_data.path_in_schema[0] === column);
    const stats = chunk?.meta_data?.statistics;
    // Checked by type: a damaged footer can decode with any Thrift type in any field.
    const nulls: unknown = stats?.null_count;
    if (typeof nulls !== "bigint" || nulls < 0n) return undefined;
    nullCount += Number(nulls);
    if (!wantRange) continue;
    if (BigInt(rg.num_rows) - nulls === 0n) continue;
    if (stats?.is_min_value_exact === false || stats?.is_max_value_exact === false) return undefined;
    const lo = asString(stats?.min_value ?? stats?.min);
    const hi = asString(stats?.max_value ?? stats?.max);
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

const text = (v: unknown): string =>
  typeof v === "string" ? v : v instanceof Uint8Array ? new TextDecoder().decode(v) : String(v);

/**
 * Reads only the requested columns' chunks (by range; nothing the footer read already holds) and summarises their
 * values page by page. Throws {@link CorruptFileError} when the chunks cannot be decoded or contradict the footer;
 * errors of the reader itself propagate unchanged.
 */
export async function summariesFromValues(
  reader: RangeReader,
  metadata: FileMetaData,
  requests: readonly ValueRequest[],
  held?: HeldBytes,
): Promise<Map<string, ColumnSummary>> {
  const out = new Map<string, ColumnSummary>(requests.map((r) => [r.name, { nullCount: 0 }]));
  if (requests.length === 0) return out;
  const opColumn = requests.find((r) => r.nullsOutsideDeletes)?.nullsOutsideDeletes?.opColumn;
  const columns = [...new Set([...requests.map((r) => r.name), ...(opColumn ? [opColumn] : [])])];
  const bytesAt = await fetchChunks(reader, metadata, columns, held);
  const elements = new Map(fileColumns(metadata).map((c) => [c.name, c.element]));
  const root = metadata.schema[0];
  // Row-aligned when deletes matter: which rows are deletes (a byte per row), and where each such column is null.
  const deleteRows = new Uint8Array(opColumn ? Number(metadata.num_rows) : 0);
  const nullRows = new Map<string, number[]>();
  let firstRow = 0;
  for (const [g, rg] of metadata.row_groups.entries()) {
    const rows = Number(rg.num_rows);
    for (const name of columns) {
      const md = rg.columns.find(
        (c) => c.meta_data?.path_in_schema.length === 1 && c.meta_data.path_in_schema[0] === name,
      )?.meta_data;
      const element = elements.get(name);
      if (!md || !element) throw new CorruptFileError(`row group ${g} has no chunk for column ${name}`);
      const { start, end } = chunkRange(md);
      const content = readChunkPages({ column: name, rowGroup: g, bytes: bytesAt(start, end), meta: md, element, root, rows });
      if (name === opColumn) markDeletes(content, deleteRows, firstRow);
      const req = requests.find((r) => r.name === name);
      if (!req) continue;
      const rowsOfNulls = req.nullsOutsideDeletes ? (nullRows.get(name) ?? []) : undefined;
      if (rowsOfNulls) nullRows.set(name, rowsOfNulls);
      summarise(content, req, out.get(name) as ColumnSummary, firstRow, rowsOfNulls);
    }
    firstRow += rows;
  }
  for (const r of requests) {
    if (!r.nullsOutsideDeletes) continue;
    (out.get(r.name) as ColumnSummary).nullsOutsideDeletes = (nullRows.get(r.name) ?? []).filter(
      (row) => deleteRows[row] !== 1,
    ).length;
  }
  return out;
}

/**
 * Adds one chunk's values to `s`. A dictionary-encoded page costs an index count per row; each distinct dictionary
 * value is then tested once, weighted by how many rows use it.
 */
function summarise(content: ChunkContent, req: ValueRequest, s: ColumnSummary, firstRow: number, nullRows?: number[]): void {
  const wantValues = req.range || req.accept !== undefined;
  const key = req.sortKey ?? ((v: string) => v);
  const see = (value: string, count: number) => {
    if (req.range) {
      if (s.min === undefined || key(value) < key(s.min)) s.min = value;
      if (s.max === undefined || key(value) > key(s.max)) s.max = value;
    }
    if (req.accept && !req.accept(value)) {
      s.rejected ??= { count: 0, examples: [] };
      s.rejected.count += count;
      if (s.rejected.examples.length < MAX_REJECTED_EXAMPLES && !s.rejected.examples.includes(value))
        s.rejected.examples.push(value);
    }
  };
  const uses = new Array<number>(content.dictionary?.length ?? 0).fill(0);
  let row = firstRow;
  for (const page of content.pages) {
    let k = 0;
    for (let i = 0; i < page.rows; i++, row++) {
      if (page.present && !page.present[i]) {
        s.nullCount++;
        nullRows?.push(row);
        continue;
      }
      if (wantValues) {
        if (page.indices) uses[page.indices[k]]++;
        else if (page.values) see(text(page.values[k]), 1);
      }
      k++;
    }
  }
  if (content.dictionary) for (const [j, n] of uses.entries()) if (n > 0) see(text(content.dictionary[j]), n);
}

function markDeletes(content: ChunkContent, deleteRows: Uint8Array, firstRow: number): void {
  const dictionaryDeletes = content.dictionary ? Array.from(content.dictionary, (v) => text(v) === "D") : [];
  let row = firstRow;
  for (const page of content.pages) {
    let k = 0;
    for (let i = 0; i < page.rows; i++, row++) {
      if (page.present && !page.present[i]) continue;
      const isDelete = page.indices ? dictionaryDeletes[page.indices[k]] : text(page.values?.[k]) === "D";
      if (isDelete) deleteRows[row] = 1;
      k++;
    }
  }
}

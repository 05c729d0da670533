/**
 * LOB values that may have been cut by DMS. In limited LOB mode DMS truncates every LOB value longer than the task's
 * LobMaxSize and only says so in its own log; the file is still well-formed, so this is a warning on a valid file,
 * never a violation. A value whose size reaches the limit is flagged as possibly truncated (a value of exactly the
 * limit may be whole: the file cannot tell).
 *
 * Frugal by design, as the rest of validation: only the table's LOB columns are considered, and a column chunk is
 * read only when its uncompressed size says one value in it may reach the limit. No value can be larger than the
 * chunk that holds it, so a file of small LOBs costs no read at all.
 */
import type { FileMetaData } from "hyparquet";
import { tableId, type ColumnMetadata, type TableMetadata } from "../../../metadata/format";
import { isLob } from "../../../metadata/type-mapping";
import { readChunkPages } from "../parquet/chunk-pages";
import { chunkRange, fetchChunks, type HeldBytes } from "../parquet/chunk-fetch";
import type { RangeReader } from "../parquet/range-reader";
import { fileColumns } from "../parquet/schema";
import type { ValidationWarning } from "./codes";

export interface LobLimitInput {
  reader: RangeReader;
  metadata: FileMetaData;
  table: TableMetadata;
  /** The task's LobMaxSize in bytes (limited LOB mode). */
  limitBytes: number;
  /** Bytes the footer read already holds. */
  held?: HeldBytes;
}

/**
 * The size DMS measures a value by, as far as the file can tell: its bytes for BLOB and CLOB. For NCLOB, the larger of
 * its UTF-8 bytes and two bytes per UTF-16 unit, because DMS holds national character LOBs as double-byte strings: a
 * value cut at the limit in that form is half as many UTF-8 bytes long, and must still be flagged.
 */
export function lobSize(value: unknown, dmsType: ColumnMetadata["dmsType"]): number {
  if (value instanceof Uint8Array) return value.byteLength;
  const text = String(value);
  const utf8 = Buffer.byteLength(text, "utf8");
  return dmsType === "NCLOB" ? Math.max(utf8, 2 * text.length) : utf8;
}

/** The smallest chunk that can hold one value of `limitBytes` in `lobSize`'s measure. */
function smallestSuspectChunk(limitBytes: number, dmsType: ColumnMetadata["dmsType"]): number {
  // 2 bytes per UTF-16 unit never exceed 2 UTF-8 bytes per unit, so an NCLOB needs at least half the limit in the file.
  return dmsType === "NCLOB" ? Math.ceil(limitBytes / 2) : limitBytes;
}

/** One warning per LOB column with values that reach the limit, in metadata column order. */
export async function lobTruncationWarnings(input: LobLimitInput): Promise<ValidationWarning[]> {
  const { metadata, table, limitBytes } = input;
  const inFile = new Map(fileColumns(metadata).map((c) => [c.name.toLowerCase(), c]));
  const suspects: Array<{ meta: ColumnMetadata; name: string }> = [];
  for (const meta of table.columns) {
    const file = inFile.get(meta.name.toLowerCase());
    // By DMS type, not only the `lob` mark: a hand-edited metadata file without the mark is still checked.
    if (!(meta.lob === true || isLob(meta.dmsType)) || !file || file.nested) continue;
    const floor = smallestSuspectChunk(limitBytes, meta.dmsType);
    const chunks = metadata.row_groups.map((rg) => chunkOf(rg, file.name));
    if (chunks.some((md) => md !== undefined && Number(md.total_uncompressed_size) >= floor)) {
      suspects.push({ meta, name: file.name });
    }
  }
  if (suspects.length === 0) return [];
  const bytesAt = await fetchChunks(
    input.reader,
    metadata,
    suspects.map((s) => s.name),
    input.held,
  );
  const root = metadata.schema[0];
  const warnings: ValidationWarning[] = [];
  for (const { meta, name } of suspects) {
    const element = inFile.get(name.toLowerCase())!.element;
    let count = 0;
    let largest = 0;
    for (const [g, rg] of metadata.row_groups.entries()) {
      const md = chunkOf(rg, name);
      if (!md || Number(md.total_uncompressed_size) < smallestSuspectChunk(limitBytes, meta.dmsType)) continue;
      const { start, end } = chunkRange(md);
      const content = readChunkPages({
        column: name,
        rowGroup: g,
        bytes: bytesAt(start, end),
        meta: md,
        element,
        root,
        rows: Number(rg.num_rows),
      });
      const sizes = content.dictionary ? Array.from(content.dictionary, (v) => lobSize(v, meta.dmsType)) : [];
      for (const page of content.pages) {
        const n = page.indices?.length ?? page.values?.length ?? 0;
        for (let k = 0; k < n; k++) {
          const size = page.indices ? sizes[page.indices[k]] : lobSize(page.values![k], meta.dmsType);
          if (size >= limitBytes) count++;
          largest = Math.max(largest, size);
        }
      }
    }
    if (count > 0) {
      warnings.push({
        code: "LOB_POSSIBLY_TRUNCATED",
        column: meta.name,
        count,
        message: `${tableId(table)}.${meta.name} (${meta.dmsType}): ${count} ${count === 1 ? "value reaches" : "values reach"} the LOB limit of ${limitBytes} bytes (largest ${largest}): DMS limited LOB mode may have cut ${count === 1 ? "it" : "them"}; raise dms.lob.maxSizeKb or use full LOB mode, then reload the table`,
      });
    }
  }
  return warnings;
}

function chunkOf(rg: FileMetaData["row_groups"][number], name: string) {
  return rg.columns.find((c) => c.meta_data?.path_in_schema.length === 1 && c.meta_data.path_in_schema[0] === name)?.meta_data;
}

/**
 * Fetching the byte ranges of a few column chunks: adjacent ranges coalesced into one request, and nothing requested
 * that the footer read already brought (a file under 64 KiB needs no request beyond its footer's).
 */
import type { FileMetaData } from "hyparquet";
import { CorruptFileError } from "./corrupt";
import type { RangeReader } from "./range-reader";

/** Ranges closer than this are fetched as one request. */
const COALESCE_GAP = 64 * 1024;

/** Bytes already in memory: `bytes` are the file's bytes from `start` on. */
export interface HeldBytes {
  start: number;
  bytes: Uint8Array;
}

/** Where one chunk lies: `[start, end)` of the file. */
export function chunkRange(md: NonNullable<FileMetaData["row_groups"][number]["columns"][number]["meta_data"]>): {
  start: number;
  end: number;
} {
  // `||`, as hyparquet itself does: some writers put 0 in dictionary_page_offset when there is no dictionary.
  const start = Number(md.dictionary_page_offset || md.data_page_offset);
  return { start, end: start + Number(md.total_compressed_size) };
}

/**
 * Reads the named top-level columns' chunks of every row group and returns a lookup of the file's bytes in those
 * ranges. Errors of the reader propagate unchanged (they are retried, not verdicts).
 */
export async function fetchChunks(
  reader: RangeReader,
  metadata: FileMetaData,
  columns: readonly string[],
  held?: HeldBytes,
): Promise<(start: number, end: number) => Uint8Array> {
  const wanted = new Set(columns);
  const ranges: Array<[number, number]> = [];
  for (const rg of metadata.row_groups) {
    for (const c of rg.columns) {
      const md = c.meta_data;
      if (!md || md.path_in_schema.length !== 1 || !wanted.has(md.path_in_schema[0])) continue;
      const { start, end } = chunkRange(md);
      // A footer pointing outside the file is a broken file, not a range to request (S3 would answer 416).
      if (!(start >= 0 && end > start && end <= reader.byteLength))
        throw new CorruptFileError(
          `column ${md.path_in_schema[0]}: its chunk at bytes ${start}-${end} lies outside the ${reader.byteLength}-byte file`,
        );
      if (held && start >= held.start && end <= held.start + held.bytes.byteLength) continue;
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
  const fetched: HeldBytes[] = await Promise.all(
    merged.map(async ([start, end]) => ({ start, bytes: await reader.read(start, end) })),
  );
  if (held) fetched.push(held);
  return (start, end) => {
    const hit = fetched.find((f) => f.start <= start && end <= f.start + f.bytes.byteLength);
    if (!hit) throw new CorruptFileError(`bytes ${start}-${end} were not read: the file is shorter than its footer says`);
    return hit.bytes.subarray(start - hit.start, end - hit.start);
  };
}

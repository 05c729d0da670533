/**
 * Precise damage to real Parquet files, for the bad-file catalogue and the fuzz test: a footer decoded, edited and
 * written back (hyparquet-writer's own metadata serializer, so everything not edited stays byte-for-byte what the
 * writer meant), and the byte ranges of a column's chunk and pages to aim page damage at.
 */
import type { FileMetaData } from "hyparquet";
import { esmFallback, hyparquet } from "../../../../handlers/core/parquet/esm";

type Metadata = typeof import("hyparquet-writer/types/metadata");
type Bytes = typeof import("hyparquet-writer/types/bytewriter");
/* eslint-disable @typescript-eslint/no-require-imports -- ES modules, loaded as handlers/core/parquet/esm.ts explains */
const { writeMetadata } = esmFallback(
  "hyparquet-writer/src/metadata.js",
  () => require("hyparquet-writer/src/metadata.js") as Metadata,
  __filename,
);
const { ByteWriter } = esmFallback(
  "hyparquet-writer/src/bytewriter.js",
  () => require("hyparquet-writer/src/bytewriter.js") as Bytes,
  __filename,
);
/* eslint-enable @typescript-eslint/no-require-imports */

export function metadataOf(bytes: Uint8Array): FileMetaData {
  return hyparquet.parquetMetadata(bytes.slice().buffer);
}

/** Where the footer starts: everything before it is magic and column chunks. */
export function footerStart(bytes: Uint8Array): number {
  const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(bytes.length - 8, true);
  return bytes.length - 8 - length;
}

/** The same data with a footer edited by `edit` (which gets a decoded copy). */
export function rewriteFooter(bytes: Uint8Array, edit: (metadata: FileMetaData) => void): Uint8Array {
  const metadata = metadataOf(bytes);
  edit(metadata);
  const writer = new ByteWriter();
  writer.appendBytes(bytes.subarray(0, footerStart(bytes)));
  writeMetadata(writer, metadata, 64);
  writer.appendBytes(new TextEncoder().encode("PAR1"));
  return writer.getBytes();
}

/** The chunk of `column` in row group `group`: its byte range and where its data pages start. */
export function chunkOf(bytes: Uint8Array, column: string, group = 0): { start: number; end: number; dataStart: number } {
  const md = metadataOf(bytes).row_groups[group].columns.find((c) => c.meta_data?.path_in_schema[0] === column)?.meta_data;
  if (!md) throw new Error(`no chunk for ${column}`);
  const start = Number(md.dictionary_page_offset || md.data_page_offset);
  return { start, end: start + Number(md.total_compressed_size), dataStart: Number(md.data_page_offset) };
}

/** A copy with `value` written at `at` (negative: from the end). */
export function patch(bytes: Uint8Array, at: number, value: Uint8Array): Uint8Array {
  const copy = bytes.slice();
  copy.set(value, at < 0 ? copy.length + at : at);
  return copy;
}

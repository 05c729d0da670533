/**
 * Footer-only reading: the last 64 KiB of a file hold the footer of almost every DMS file, so one range read
 * usually suffices; a bigger footer costs exactly one more read for the remainder. Failures are classified with the
 * validation codes, because a file whose footer cannot be read is quarantined like any other invalid file.
 */
import type { FileMetaData } from "hyparquet";
import { hyparquet } from "./esm";
import { reasonOf } from "./corrupt";
import { footerProblem } from "./footer-integrity";
import type { RangeReader } from "./range-reader";

/** Bytes read from the end of the file first. */
export const FOOTER_PROBE_BYTES = 64 * 1024;
const MAGIC = "PAR1";
/** Footer length (4 bytes, little endian) plus the trailing magic. */
const TRAILER_BYTES = 8;

export type FooterProblemCode = "EMPTY_FILE" | "NOT_PARQUET" | "TRUNCATED" | "CORRUPT_FILE";

export type FooterResult =
  | {
      ok: true;
      metadata: FileMetaData;
      footerBytes: number;
      /** The bytes already read from the end of the file: column chunks inside them need no further request. */
      tail: { start: number; bytes: Uint8Array };
    }
  | { ok: false; code: FooterProblemCode; message: string };

/** Reads and decodes the footer with at most two range reads (one more, 4 bytes, only to classify a broken file). */
export async function readFooter(reader: RangeReader): Promise<FooterResult> {
  const size = reader.byteLength;
  if (size === 0) return { ok: false, code: "EMPTY_FILE", message: "the file is empty (0 bytes)" };
  const tailStart = Math.max(0, size - FOOTER_PROBE_BYTES);
  const tail = await reader.read(tailStart, size);
  if (size < TRAILER_BYTES + MAGIC.length || ascii(tail, tail.byteLength - 4) !== MAGIC) {
    const head = tailStart === 0 ? tail.subarray(0, 4) : await reader.read(0, Math.min(4, size));
    if (head.byteLength === 4 && ascii(head, 0) === MAGIC) {
      return {
        ok: false,
        code: "TRUNCATED",
        message:
          size < TRAILER_BYTES + MAGIC.length
            ? `only ${size} bytes, too short for a Parquet footer (at least ${TRAILER_BYTES + MAGIC.length}): the upload was cut short`
            : `starts with PAR1 but does not end with it (${size} bytes): the upload was cut short`,
      };
    }
    return {
      ok: false,
      code: "NOT_PARQUET",
      message: `no Parquet magic (PAR1) at the end of the file; found ${hex(tail.subarray(-4))}`,
    };
  }
  const view = new DataView(tail.buffer, tail.byteOffset, tail.byteLength);
  const footerLength = view.getUint32(tail.byteLength - TRAILER_BYTES, true);
  if (footerLength + TRAILER_BYTES + MAGIC.length > size) {
    return {
      ok: false,
      code: "TRUNCATED",
      message: `footer claims ${footerLength} bytes but the file has only ${size}: the file was cut short`,
    };
  }
  let buffer = tail;
  const footerStart = size - TRAILER_BYTES - footerLength;
  if (footerStart < tailStart) {
    const rest = await reader.read(footerStart, tailStart);
    buffer = new Uint8Array(rest.byteLength + tail.byteLength);
    buffer.set(rest, 0);
    buffer.set(tail, rest.byteLength);
  }
  let metadata: FileMetaData;
  try {
    // A private copy: hyparquet checks `instanceof ArrayBuffer`, and the reader's bytes may come from another realm.
    const own = new Uint8Array(buffer.byteLength);
    own.set(buffer);
    metadata = hyparquet.parquetMetadata(own.buffer);
  } catch (err) {
    // PAR1 at both ends and a plausible length: a Parquet file whose footer is damaged, not some other format.
    return {
      ok: false,
      code: "CORRUPT_FILE",
      message: `the ${footerLength}-byte footer does not decode as Parquet metadata (${reasonOf(err)})`,
    };
  }
  const problem = footerProblem(metadata, footerStart);
  if (problem) return { ok: false, code: "CORRUPT_FILE", message: `the footer contradicts itself: ${problem}` };
  const tailFrom = Math.min(tailStart, footerStart);
  return { ok: true, metadata, footerBytes: footerLength, tail: { start: tailFrom, bytes: buffer } };
}

function ascii(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(...bytes.subarray(Math.max(0, at), Math.max(0, at) + 4));
}

function hex(bytes: Uint8Array): string {
  return `0x${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

/**
 * Byte-range access to a Parquet file wherever it lives (S3 object, local file, memory). Validation reads the footer
 * and, only when statistics are missing, a few column chunks, so everything it needs goes through this interface and
 * the number of requests and bytes can be counted.
 */
import * as fs from "node:fs";

export interface RangeReader {
  /** Total size of the file in bytes. */
  readonly byteLength: number;
  /** Bytes `[start, end)`; `end` is at most `byteLength`. */
  read(start: number, end: number): Promise<Uint8Array>;
}

/** Requests and bytes a reader has served; the benchmark and the 2-GET guarantee are measured with it. */
export interface ReadStats {
  requests: number;
  bytes: number;
}

/** Wraps a reader so every range it serves is counted in the returned `stats`. */
export function countingReader(reader: RangeReader): { reader: RangeReader; stats: ReadStats } {
  const stats: ReadStats = { requests: 0, bytes: 0 };
  return {
    stats,
    reader: {
      byteLength: reader.byteLength,
      async read(start, end) {
        const bytes = await reader.read(start, end);
        stats.requests++;
        stats.bytes += bytes.byteLength;
        return bytes;
      },
    },
  };
}

export function memoryReader(bytes: Uint8Array): RangeReader {
  return { byteLength: bytes.byteLength, read: async (start, end) => bytes.subarray(start, end) };
}

/** A local file read by positioned reads; the descriptor is opened per read so nothing needs closing. */
export function fileReader(path: string): RangeReader {
  const size = fs.statSync(path).size;
  return {
    byteLength: size,
    async read(start, end) {
      const fh = await fs.promises.open(path, "r");
      try {
        const buf = new Uint8Array(end - start);
        const { bytesRead } = await fh.read(buf, 0, buf.byteLength, start);
        return buf.subarray(0, bytesRead);
      } finally {
        await fh.close();
      }
    },
  };
}

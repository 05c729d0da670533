/**
 * A deterministic zip writer: the same files give the same bytes on every machine and every run (sorted entries,
 * fixed 1980-01-01 timestamps, fixed permissions, fixed compression level, no extra fields). That is what keeps a
 * Lambda's code hash — and so `pulumi preview` — unchanged when the handler did not change.
 */
import { crc32, deflateRawSync } from "node:zlib";

/** DOS date of 1980-01-01 (the zip epoch) and time 00:00:00. */
const DOS_DATE = (0 << 9) | (1 << 5) | 1;
const DOS_TIME = 0;
/** Regular file, rw-r--r--: readable by the Lambda runtime user. */
const UNIX_FILE_MODE = 0o100644;
const VERSION_NEEDED = 20;
const MADE_BY_UNIX = (3 << 8) | VERSION_NEEDED;

/** Zips `files` (archive path → content) deterministically. */
export function deterministicZip(files: Record<string, string | Buffer>): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const name of Object.keys(files).sort()) {
    const { compressed, crc, size } = entry(files[name]);
    const nameBytes = Buffer.from(name, "utf8");

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(VERSION_NEEDED, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(8, 8); // deflate
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(compressed.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(nameBytes.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, nameBytes, compressed);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(MADE_BY_UNIX, 4);
    central.writeUInt16LE(VERSION_NEEDED, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(8, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(compressed.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(nameBytes.length, 28);
    central.writeUInt16LE(0, 30); // extra
    central.writeUInt16LE(0, 32); // comment
    central.writeUInt16LE(0, 34); // disk
    central.writeUInt16LE(0, 36); // internal attributes
    central.writeUInt32LE((UNIX_FILE_MODE << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, nameBytes);

    offset += local.length + nameBytes.length + compressed.length;
  }
  const centralSize = centrals.reduce((n, b) => n + b.length, 0);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(0, 4);
  end.writeUInt16LE(0, 6);
  end.writeUInt16LE(centrals.length / 2, 8);
  end.writeUInt16LE(centrals.length / 2, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(offset, 16);
  end.writeUInt16LE(0, 20);
  return Buffer.concat([...locals, ...centrals, end]);
}

interface Entry {
  compressed: Buffer;
  crc: number;
  size: number;
}

/**
 * Compressed entries by content: a handler's code (the same string for every function that runs it) is encoded,
 * checksummed and deflated once per run however many archives carry it. Keyed by the string itself, so a repeat costs
 * a map lookup, not a copy and a hash of megabytes (which at 100+ functions was most of the program's garbage).
 */
const entries = new Map<string | Buffer, Entry>();

function entry(content: string | Buffer): Entry {
  let out = entries.get(content);
  if (!out) {
    const bytes = Buffer.isBuffer(content) ? content : Buffer.from(content, "utf8");
    out = { compressed: deflateRawSync(bytes, { level: 9 }), crc: crc32(bytes) >>> 0, size: bytes.length };
    entries.set(content, out);
  }
  return out;
}

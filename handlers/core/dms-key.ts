/**
 * DMS output object keys (DESIGN §4): `[<folder>/]<schema>/<table>/LOAD<8 hex>.parquet` for the full load and
 * `[<folder>/]<schema>/<table>/<yyyymmdd-hhmmssnnn>.parquet` for CDC. The key alone tells which table a file belongs
 * to and where it sorts in the change stream, so validation, the poller and `cdc replay` all parse it here.
 */

/** A parsed DMS output key. */
export interface DmsKey {
  /** The whole (URL-decoded) key. */
  key: string;
  /** Anything before `<schema>/`: the DMS endpoint's bucket folder, possibly empty. */
  prefix: string;
  schema: string;
  table: string;
  /** File name without `.parquet`: `LOAD0000000A` or `20240101-120000123`. */
  file: string;
  kind: "load" | "cdc";
}

export type DmsKeyResult = { ok: true; value: DmsKey } | { ok: false; reason: string };

const LOAD_FILE = /^LOAD([0-9A-Fa-f]{8})$/;
const CDC_FILE = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})(\d{3})$/;

/**
 * Parses an already URL-decoded S3 key (or a local path using `/`). On failure the reason is one line saying what was
 * expected, used verbatim as the BAD_KEY message.
 */
export function parseDmsKey(key: string): DmsKeyResult {
  const expected = "expected <schema>/<table>/<LOAD########|yyyymmdd-hhmmssnnn>.parquet";
  const parts = key.split("/");
  if (parts.length < 3) return { ok: false, reason: `key ${JSON.stringify(key)} has no <schema>/<table>/ folders; ${expected}` };
  const name = parts[parts.length - 1];
  const table = parts[parts.length - 2];
  const schema = parts[parts.length - 3];
  if (schema === "" || table === "")
    return { ok: false, reason: `key ${JSON.stringify(key)} has an empty schema or table folder; ${expected}` };
  if (!name.endsWith(".parquet"))
    return { ok: false, reason: `key ${JSON.stringify(key)} does not end in .parquet; ${expected}` };
  const file = name.slice(0, -".parquet".length);
  let kind: DmsKey["kind"];
  const load = LOAD_FILE.exec(file);
  // DMS numbers full-load files from 1; the plan tells a full-load row by its file's counter being above 0.
  if (load && parseInt(load[1], 16) === 0)
    return {
      ok: false,
      reason: `file name ${JSON.stringify(name)}: full-load files are numbered from LOAD00000001; ${expected}`,
    };
  if (load) kind = "load";
  else if (isCdcName(file)) kind = "cdc";
  else return { ok: false, reason: `file name ${JSON.stringify(name)} is neither a full-load nor a CDC file; ${expected}` };
  return { ok: true, value: { key, prefix: parts.slice(0, -3).join("/"), schema, table, file, kind } };
}

function isCdcName(file: string): boolean {
  const m = CDC_FILE.exec(file);
  if (!m) return false;
  const [month, day, hour, minute, second] = m.slice(2, 7).map(Number);
  return month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59 && second <= 59;
}

/** An S3 event key: `+` is a space and everything else is percent-encoded. Throws one line naming the key if it is not. */
export function decodeS3EventKey(key: string): string {
  try {
    return decodeURIComponent(key.replace(/\+/g, " "));
  } catch {
    throw new Error(`S3 event key ${JSON.stringify(key)}: not valid percent-encoding (expected S3's URL-encoded key)`);
  }
}

/**
 * DMS order of two files of one table: every full-load file (by its hex counter) before every CDC file, CDC files by
 * their timestamp name. Ties (the same name under different prefixes) fall back to the whole key so the order is total.
 * Accepts keys or parsed keys; a key that does not parse throws, since ordering it would be a guess.
 */
export function compareDmsFiles(a: string | DmsKey, b: string | DmsKey): number {
  const x = typeof a === "string" ? mustParse(a) : a;
  const y = typeof b === "string" ? mustParse(b) : b;
  if (x.kind !== y.kind) return x.kind === "load" ? -1 : 1;
  if (x.kind === "load") {
    const d = parseInt(x.file.slice(4), 16) - parseInt(y.file.slice(4), 16);
    if (d !== 0) return d;
  } else if (x.file !== y.file) {
    return x.file < y.file ? -1 : 1;
  }
  return x.key < y.key ? -1 : x.key > y.key ? 1 : 0;
}

function mustParse(key: string): DmsKey {
  const r = parseDmsKey(key);
  if (!r.ok) throw new Error(r.reason);
  return r.value;
}

/** The key a file with this name has for a table: `<schema>/<table>/<file>.parquet` under an optional folder. */
export function dmsKey(schema: string, table: string, file: string, prefix = ""): string {
  return `${prefix === "" ? "" : `${prefix.replace(/\/+$/, "")}/`}${schema}/${table}/${file}.parquet`;
}

/** `LOAD` plus the 1-based counter as 8 upper-case hex digits, as DMS names full-load files. */
export function loadFileName(counter: number): string {
  return `LOAD${counter.toString(16).toUpperCase().padStart(8, "0")}`;
}

/** `yyyymmdd-hhmmssnnn` (UTC), as DMS names CDC files. */
export function cdcFileName(at: Date): string {
  const p = (n: number, w = 2) => String(n).padStart(w, "0");
  return (
    `${at.getUTCFullYear()}${p(at.getUTCMonth() + 1)}${p(at.getUTCDate())}-` +
    `${p(at.getUTCHours())}${p(at.getUTCMinutes())}${p(at.getUTCSeconds())}${p(at.getUTCMilliseconds(), 3)}`
  );
}

/**
 * Finding work no run applied (DESIGN §5: no work can expire unseen). Queue messages are only announcements: they can
 * be lost (a held table's, a queue that kept them past its 14 days, a purge). The harmonized bucket is the record of
 * every validated file, and each table's state says how far it is applied; the files of the table's prefix after that
 * mark are its unapplied work, and the poller puts them in a run as if they had been announced again.
 */
import { parseDmsKey } from "../dms-key";
import { compareUris, keyOf } from "./target-state";

/** One object of a harmonized listing. */
export interface ListedObject {
  key: string;
  lastModified?: Date;
  /** The object's ETag (what a run pins it by). */
  etag?: string;
}

/**
 * The prefix of a table's files in harmonized: the folder of the file it is applied through (which keeps a DMS bucket
 * folder, if any), else `<schema>/<table>/`.
 */
export function harmonizedPrefix(schema: string, table: string, appliedThrough?: string): string {
  if (appliedThrough) {
    const k = parseDmsKey(keyOf(appliedThrough));
    if (k.ok) return `${k.value.key.slice(0, k.value.key.length - k.value.file.length - ".parquet".length)}`;
  }
  return `${schema}/${table}/`;
}

/**
 * Where a listing may start: after the mark's key when it is a CDC file. In key order CDC names (digits) come before
 * `LOAD…`, so this still lists every full-load file, and those sort first in DMS order and are dropped by the
 * comparison. After a full-load mark every CDC file is later, so the listing starts at the beginning.
 */
export function listStartAfter(appliedThrough?: string): string | undefined {
  if (!appliedThrough) return undefined;
  const k = parseDmsKey(keyOf(appliedThrough));
  return k.ok && k.value.kind === "cdc" ? k.value.key : undefined;
}

/**
 * The table's files in `objects` after `appliedThrough` in DMS order, as s3:// URIs of `bucket`, oldest first. Files
 * modified after `notAfter` are left to their own message (they are most likely still on the queue); anything that is
 * not a DMS file name is ignored.
 */
export function unappliedFiles(
  objects: readonly ListedObject[],
  bucket: string,
  appliedThrough: string | undefined,
  notAfter: Date | undefined,
): string[] {
  return objects
    .filter((o) => parseDmsKey(o.key).ok)
    .filter((o) => !notAfter || !o.lastModified || o.lastModified.getTime() <= notAfter.getTime())
    .map((o) => `s3://${bucket}/${o.key}`)
    .filter((uri) => appliedThrough === undefined || compareUris(uri, appliedThrough) > 0)
    .sort(compareUris);
}

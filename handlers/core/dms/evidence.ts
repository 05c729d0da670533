/**
 * The pipeline's side of a reconciliation, from the stores themselves: the table's objects in raw, harmonized and
 * quarantine, each with its row count, and each target's progress from the poller's state document
 * (`state/<source>/<target>/tables.json` in the lake bucket).
 *
 * Row counts: a harmonized object carries its own in its metadata (`cdc-row-count`, written by the validate Lambda
 * with the copy), and so does a quarantined one since it records them too; objects without it (raw, older
 * quarantine copies) are counted from their Parquet footer (`num_rows`, one or two range reads). Listing starts
 * after `from` (StartAfter: CDC names sort by time, full-load files after them), and an object already counted with
 * the same ETag (the ledger, ledger.ts) is not read again: a run reads what is new or replaced, at most `concurrency`
 * at a time, and stops reading at `deadline`.
 */
import { ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { readFooter } from "../parquet/footer";
import { parseDmsKey } from "../dms-key";
import { loadTargetState, type StateReader } from "../poller/state-store";
import { headObject, s3RangeReader } from "../../lib/s3-objects";
import { mapPool } from "../../lib/map-pool";
import type { TargetProgress } from "./drift";
import type { LedgerFile } from "./ledger";

/** Object metadata the validate Lambda writes on harmonized (and quarantined) copies. */
export const ROW_COUNT_METADATA = "cdc-row-count";

export interface ListingOptions {
  trustMetadata: boolean;
  /** Row counts already known, by key: reused while the ETag is the same. */
  known: Readonly<Record<string, LedgerFile>>;
  /** Reads (HEAD or footer) in flight at once. */
  concurrency: number;
  /** Epoch ms after which no new read starts; undefined: none. */
  deadline?: number;
  clock?: () => number;
}

export interface TableListing {
  /** Every object of the table after `from` with its count, by key (those counted before the deadline when not complete). */
  files: Record<string, LedgerFile>;
  /** False when the deadline came before every object was counted. */
  complete: boolean;
  /** Objects read (HEAD or footer) by this listing. */
  reads: number;
}

/** The table's objects in one bucket after the CDC name `from` (full-load files always), with their rows. */
export async function listTable(
  s3: S3Client,
  bucket: string,
  table: { schema: string; table: string },
  from: string,
  opts: ListingOptions,
): Promise<TableListing> {
  const prefix = `${table.schema}/${table.table}/`;
  const clock = opts.clock ?? Date.now;
  const late = () => opts.deadline !== undefined && clock() >= opts.deadline;
  const out: TableListing = { files: {}, complete: true, reads: 0 };
  let token: string | undefined;
  do {
    if (late()) return { ...out, complete: false };
    const r = await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix,
        ContinuationToken: token,
        // Digits sort before `LOAD`: CDC files from `from` on, then every full-load file.
        ...(!token ? { StartAfter: `${prefix}${from}` } : {}),
      }),
    );
    const fresh: { key: string; etag: string; size: number; modified: number }[] = [];
    for (const o of r.Contents ?? []) {
      if (!o.Key || !o.LastModified) continue;
      const k = parseDmsKey(o.Key);
      // Only the table's own files: a key one folder deeper is another table's or not DMS's.
      if (!k.ok || `${k.value.schema}/${k.value.table}/` !== prefix || k.value.prefix !== "") continue;
      const etag = o.ETag ?? "";
      const modified = o.LastModified.getTime();
      const known = opts.known[o.Key];
      if (known && known.etag === etag) out.files[o.Key] = { ...known, modified };
      else fresh.push({ key: o.Key, etag, size: o.Size ?? 0, modified });
    }
    await mapPool(fresh, opts.concurrency, async (f) => {
      if (late()) return void (out.complete = false);
      out.reads++;
      const rows = await rowCount(s3, { bucket, key: f.key, etag: f.etag, size: f.size }, opts.trustMetadata);
      out.files[f.key] = { etag: f.etag, rows, modified: f.modified };
    });
    if (!out.complete) return out;
    token = r.IsTruncated ? r.NextContinuationToken : undefined;
  } while (token);
  return out;
}

async function rowCount(
  s3: S3Client,
  obj: { bucket: string; key: string; etag: string; size: number },
  trustMetadata: boolean,
): Promise<number> {
  if (trustMetadata) {
    const head = await headObject(s3, obj);
    const recorded = head?.Metadata?.[ROW_COUNT_METADATA];
    if (recorded !== undefined && /^\d+$/.test(recorded)) return Number(recorded);
  }
  const footer = await readFooter(s3RangeReader(s3, obj));
  // A file whose footer does not read has no rows anyone could apply; validation says why.
  return footer.ok ? Number(footer.metadata.num_rows) : 0;
}

/** Each target's progress on `table`, from its state document (a target that never ran has none). */
export async function targetProgress(
  store: StateReader,
  source: string,
  targets: readonly string[],
  table: string,
  cache = new Map<string, Awaited<ReturnType<typeof loadTargetState>>>(),
): Promise<TargetProgress[]> {
  const strip = (uri: string) => uri.replace(/^s3:\/\/[^/]+\//, "");
  const out: TargetProgress[] = [];
  for (const target of targets) {
    let loaded = cache.get(target);
    if (!loaded) {
      loaded = await loadTargetState(store, source, target);
      cache.set(target, loaded);
    }
    const s = loaded.state.tables[table];
    out.push({
      target,
      appliedThrough: s?.appliedThrough ? strip(s.appliedThrough) : undefined,
      loads: s?.loads ? Object.fromEntries(Object.entries(s.loads).map(([k, v]) => [strip(k), v])) : undefined,
      late: s?.late?.map(strip),
      held: s?.held !== undefined,
    });
  }
  return out;
}

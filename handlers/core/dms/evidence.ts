/**
 * The pipeline's side of a reconciliation, from the stores themselves: the table's objects in raw, harmonized and
 * quarantine, each with its row count, and each target's progress from the poller's state document
 * (`state/<source>/<target>/tables.json` in the lake bucket).
 *
 * Row counts: a harmonized object carries its own in its metadata (`cdc-row-count`, written by the validate Lambda
 * with the copy), and so does a quarantined one since it records them too; objects without it (raw, older
 * quarantine copies) are counted from their Parquet footer (`num_rows`, one or two range reads). Listing starts at
 * the first CDC file of the oldest window DMS's counters can cover (StartAfter: CDC names sort by time), so files of
 * earlier task runs are neither listed nor read. Cost: one HEAD per object in the window and per run.
 */
import { ListObjectsV2Command, type S3Client } from "@aws-sdk/client-s3";
import { readFooter } from "../parquet/footer";
import { parseDmsKey } from "../dms-key";
import { loadTargetState, type StateReader } from "../poller/state-store";
import { headObject, s3RangeReader } from "../../lib/s3-objects";
import type { PipelineFile, TargetProgress } from "./drift";
import { windowStartName } from "./drift";

/** Object metadata the validate Lambda writes on harmonized (and quarantined) copies. */
export const ROW_COUNT_METADATA = "cdc-row-count";

/** Objects of one table in one bucket, with their rows; listing from `since` for CDC files (LOAD files always). */
export async function tableFiles(
  s3: S3Client,
  bucket: string,
  table: { schema: string; table: string },
  since: Date | undefined,
  opts: { trustMetadata: boolean },
): Promise<PipelineFile[]> {
  const prefix = `${table.schema}/${table.table}/`;
  const out: PipelineFile[] = [];
  let token: string | undefined;
  do {
    const r = await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix,
        ContinuationToken: token,
        // Digits sort before `LOAD`: CDC files from the window on, then every full-load file.
        ...(since && !token ? { StartAfter: `${prefix}${windowStartName(since)}` } : {}),
      }),
    );
    for (const o of r.Contents ?? []) {
      if (!o.Key || !o.LastModified) continue;
      const k = parseDmsKey(o.Key);
      // Only the table's own files: a key one folder deeper is another table's or not DMS's.
      if (!k.ok || `${k.value.schema}/${k.value.table}/` !== prefix || k.value.prefix !== "") continue;
      const etag = o.ETag ?? "";
      const rows = await rowCount(s3, { bucket, key: o.Key, etag, size: o.Size ?? 0 }, opts.trustMetadata);
      out.push({ key: o.Key, kind: k.value.kind, rows, lastModified: o.LastModified, etag });
    }
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

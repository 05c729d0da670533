/**
 * A target's `iceberg` block: how its Iceberg tables are written (properties the apply job creates each table with) and
 * kept (the Glue Data Catalog's table optimizers the poller enables on each table). Limits and defaults are the
 * handlers' own (handlers/core/plan/iceberg-settings.ts); a stack that leaves the block out gets the engines' defaults.
 */
import { z } from "zod";
import { DEFAULT_ICEBERG_SETTINGS as D, ICEBERG_LIMITS, ICEBERG_WRITE_MODES } from "../handlers/core/plan/iceberg-settings";

/** A whole number within the handlers' limits, defaulting to their default. */
const int = (k: keyof typeof ICEBERG_LIMITS) =>
  z.number().int().min(ICEBERG_LIMITS[k][0]).max(ICEBERG_LIMITS[k][1]).default(D[k]);

export const icebergTargetSchema = z.strictObject({
  writeMode: z
    .enum(ICEBERG_WRITE_MODES)
    .default(D.writeMode)
    .describe(
      "How MERGE writes changed rows. `copy-on-write` rewrites every data file a run touches: reads stay fastest, each run writes more. `merge-on-read` writes small delete files instead: cheaper runs on large tables, reads merge them until compaction applies them. Only tables created after a change get it.",
    ),
  targetFileSizeMiB: int("targetFileSizeMiB").describe(
    "Size of the data files Iceberg writes and compaction aims for (`write.target-file-size-bytes`).",
  ),
  metadataVersionsKept: int("metadataVersionsKept").describe(
    "Old metadata files each table keeps (`write.metadata.previous-versions-max`, with delete-after-commit on); a run commits about twice per table.",
  ),
  compaction: z
    .boolean()
    .default(D.compaction)
    .describe("Enable the Glue compaction optimizer (binpack) on each table; turned off, it stays declared and disabled."),
  compactionMinInputFiles: int("compactionMinInputFiles").describe(
    "Data files a partition must gather before the compaction optimizer compacts it (Glue's minInputFiles).",
  ),
  snapshotRetentionDays: int("snapshotRetentionDays").describe(
    "Days a snapshot stays for time travel before the retention optimizer expires it and deletes the files only it used.",
  ),
  snapshotsToKeep: int("snapshotsToKeep").describe("Snapshots every table keeps whatever their age."),
  orphanFileRetentionDays: int("orphanFileRetentionDays").describe(
    "Age after which a file no snapshot references (a write that died before its commit) is deleted by the orphan-file optimizer.",
  ),
});

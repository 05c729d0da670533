/**
 * How one target keeps its Iceberg tables (DESIGN §6 "Iceberg upkeep"): the write properties the apply job creates each
 * table with, and the maintenance the Glue Data Catalog's table optimizers run on it. One schema, read by the poller
 * from its `ICEBERG` variable (the stack's `iceberg` block of the target, see src/config-iceberg.ts), so the program,
 * the poller and the local proof use the same names, limits and defaults.
 *
 * Defaults are the engines' own where they have one, so a target without an `iceberg` block behaves as Glue and
 * Iceberg documentation says: copy-on-write (what the apply job always did), Glue's optimizer defaults (snapshots kept
 * 5 days and at least 1, orphan files removed after 3 days, compaction once 100 files gather in a partition) and
 * Iceberg's 100 previous metadata files.
 */
import { z } from "zod";

/** How MERGE, UPDATE and DELETE write changed rows: rewrite the files they touch, or write delete files next to them. */
export const ICEBERG_WRITE_MODES = ["copy-on-write", "merge-on-read"] as const;
export type IcebergWriteMode = (typeof ICEBERG_WRITE_MODES)[number];

const MIB = 1024 * 1024;

/** Lowest and highest value of each number (Glue's own limits where it has them: a retention of at least a day). */
export const ICEBERG_LIMITS = {
  targetFileSizeMiB: [1, 2048],
  metadataVersionsKept: [1, 1000],
  compactionMinInputFiles: [2, 100000],
  snapshotRetentionDays: [1, 3650],
  snapshotsToKeep: [1, 1000],
  orphanFileRetentionDays: [1, 3650],
} as const satisfies Record<string, readonly [number, number]>;

const int = (k: keyof typeof ICEBERG_LIMITS, fallback: number) =>
  z.int().min(ICEBERG_LIMITS[k][0]).max(ICEBERG_LIMITS[k][1]).default(fallback);

export const icebergSettingsSchema = z.strictObject({
  writeMode: z.enum(ICEBERG_WRITE_MODES).default("copy-on-write"),
  /** 128 MiB: above the ~100 MB Glue's compaction aims for, small enough that a CDC table's rewrite stays cheap. */
  targetFileSizeMiB: int("targetFileSizeMiB", 128),
  /** Metadata files kept after each commit (`write.metadata.previous-versions-max`); older ones are deleted. */
  metadataVersionsKept: int("metadataVersionsKept", 100),
  compaction: z.boolean().default(true),
  compactionMinInputFiles: int("compactionMinInputFiles", 100),
  snapshotRetentionDays: int("snapshotRetentionDays", 5),
  snapshotsToKeep: int("snapshotsToKeep", 1),
  orphanFileRetentionDays: int("orphanFileRetentionDays", 3),
});
export type IcebergSettings = z.output<typeof icebergSettingsSchema>;

export const DEFAULT_ICEBERG_SETTINGS: IcebergSettings = icebergSettingsSchema.parse({});

/** `write.target-file-size-bytes` of the settings. */
export function targetFileSizeBytes(s: Pick<IcebergSettings, "targetFileSizeMiB">): number {
  return s.targetFileSizeMiB * MIB;
}

/**
 * The table properties each Iceberg table of the target is created with. `format-version` 2 is what MERGE's row-level
 * deletes need; old metadata files go after each commit, since a run commits twice per table and would otherwise
 * leave thousands a day; the three modes follow the target's write mode together, as MERGE also updates and deletes.
 */
export function icebergTableProperties(s: IcebergSettings): Record<string, string> {
  return {
    "format-version": "2",
    "write.target-file-size-bytes": String(targetFileSizeBytes(s)),
    "write.metadata.delete-after-commit.enabled": "true",
    "write.metadata.previous-versions-max": String(s.metadataVersionsKept),
    "write.merge.mode": s.writeMode,
    "write.update.mode": s.writeMode,
    "write.delete.mode": s.writeMode,
  };
}

/** Parses the poller's `ICEBERG` variable (JSON of the schema above; unset: the defaults); throws one line. */
export function icebergSettingsFromJson(raw: string | undefined, where: string): IcebergSettings {
  if (raw === undefined || raw === "") return DEFAULT_ICEBERG_SETTINGS;
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (err) {
    throw new Error(`${where}: not JSON (${(err as Error).message})`);
  }
  const r = icebergSettingsSchema.safeParse(json);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new Error(`${where}: ${issue.path.join(".") || "(root)"}: ${issue.message}`);
  }
  return r.data;
}

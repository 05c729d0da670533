/**
 * The Iceberg maintenance of a target's tables as Spark SQL (Iceberg's stored procedures): what the Glue Data Catalog's
 * table optimizers do on AWS (handlers/core/poller/table-optimizers.ts enables them with the same settings), written
 * once here so the local proof (tests/src/executors/maintenance.spark.test.ts) runs exactly what a scheduled fallback
 * job would run where the optimizers are not available:
 *
 *   compaction  rewrite_data_files: bin-packs small files into files of the table's target size and applies the
 *               delete files of merge-on-read (a data file with at least one delete is rewritten)
 *   retention   expire_snapshots: snapshots older than the retention go, the last `snapshotsToKeep` always stay, and
 *               the files only they referenced are deleted
 *   orphans     remove_orphan_files: files under the table's location that no snapshot references (a write that died
 *               before its commit), once older than the orphan retention
 *
 * In that order: the files a compaction replaces then belong only to older snapshots, which the retention expires.
 */
import type { TableMetadata } from "../../../metadata/format";
import { literal, spark } from "./dialect";
import type { IcebergSettings } from "./iceberg-settings";
import { defaultTableNames } from "./names";

/** The Spark catalog the apply job names its Iceberg tables in (components/glue-target.ts `icebergConf`). */
export const SPARK_CATALOG = "glue_catalog";

export interface MaintenanceStatements {
  /** Empty when the target turned compaction off. */
  compaction: string[];
  retention: string[];
  orphans: string[];
}

/** The Iceberg tables of a source table in a target's database: the target and, for a table with a key, its tombstones. */
export function maintainedTables(meta: TableMetadata): string[] {
  const names = defaultTableNames(meta);
  return meta.primaryKey.length > 0 ? [names.target[0], names.tombstones[0]] : [names.target[0]];
}

/**
 * The statements maintaining one Iceberg table `database`.`table` of catalog {@link SPARK_CATALOG}, as of `now`: the
 * retention and orphan cut-offs are `now` minus their days (Spark session time, UTC as every session here).
 */
export function maintenanceStatements(database: string, table: string, s: IcebergSettings, now: Date): MaintenanceStatements {
  const name = literal(spark, [database, table].map(spark.quote).join("."));
  const call = (procedure: string, args: string[]) => `CALL ${SPARK_CATALOG}.system.${procedure}(${args.join(", ")})`;
  const before = (days: number) =>
    `TIMESTAMP '${new Date(now.getTime() - days * 86_400_000).toISOString().slice(0, 23).replace("T", " ")}'`;
  const options = (o: Record<string, string>) =>
    `map(${Object.entries(o)
      .map(([k, v]) => `${literal(spark, k)}, ${literal(spark, v)}`)
      .join(", ")})`;
  return {
    compaction: s.compaction
      ? [
          call("rewrite_data_files", [
            `table => ${name}`,
            `strategy => 'binpack'`,
            // Glue's own defaults for its compaction (minInputFiles, deleteFileThreshold 1); the deletes a rewrite
            // makes dangling go with it, as Glue's binpack applies them.
            `options => ${options({
              "min-input-files": String(s.compactionMinInputFiles),
              "delete-file-threshold": "1",
              "remove-dangling-deletes": "true",
            })}`,
          ]),
        ]
      : [],
    retention: [
      call("expire_snapshots", [
        `table => ${name}`,
        `older_than => ${before(s.snapshotRetentionDays)}`,
        `retain_last => ${s.snapshotsToKeep}`,
      ]),
    ],
    orphans: [call("remove_orphan_files", [`table => ${name}`, `older_than => ${before(s.orphanFileRetentionDays)}`])],
  };
}

/**
 * One reconciliation of a source: DMS's task and table statistics, the table's files in raw, harmonized and
 * quarantine, each target's progress, then the comparison (drift.ts) per table. The scheduled Lambda and
 * `cdc reconcile` both run exactly this; they differ only in what they do with the result.
 */
import type { DatabaseMigrationServiceClient } from "@aws-sdk/client-database-migration-service";
import type { S3Client } from "@aws-sdk/client-s3";
import { matchesTableGlob } from "../../../metadata/table-glob";
import type { StateReader } from "../poller/state-store";
import { cdcWindows, reconcileTable, type DriftSettings, type TableReconciliation } from "./drift";
import { tableFiles, targetProgress } from "./evidence";
import { findTask, tableCounts, tableStatistics, taskDates } from "./task";

export interface ReconcileSourceSettings {
  source: string;
  /** The DMS task identifier, `cdc-<env>-<source>`. */
  taskId: string;
  rawBucket: string;
  quarantineBucket: string;
  harmonizedBucket: string;
  /** Each target and the table globs it takes; the applied stage is checked only with `lake`. */
  targets: readonly { name: string; tables: readonly string[] }[];
  /** The lake bucket's state documents; absent → the applied stage is not checked (see the component). */
  lake?: StateReader;
  /** Only these tables (`schema.table`, case-insensitive); default all of the task's. */
  tables?: readonly string[];
}

export interface SourceReconciliation {
  taskId: string;
  taskStatus: string;
  tables: TableReconciliation[];
  appliedChecked: boolean;
}

export async function reconcileSource(
  clients: { dms: DatabaseMigrationServiceClient; s3: S3Client },
  settings: ReconcileSourceSettings,
  drift: DriftSettings,
): Promise<SourceReconciliation> {
  const task = await findTask(clients.dms, settings.taskId);
  const dates = taskDates(task);
  const wanted = settings.tables?.map((t) => t.toLowerCase());
  const stats = (await tableStatistics(clients.dms, task.ReplicationTaskArn as string))
    .map(tableCounts)
    .filter((t) => !wanted || wanted.includes(`${t.schema}.${t.table}`.toLowerCase()))
    .sort((a, b) => `${a.schema}.${a.table}`.localeCompare(`${b.schema}.${b.table}`));
  const stateCache = new Map();
  const tables: TableReconciliation[] = [];
  for (const dms of stats) {
    const id = `${dms.schema}.${dms.table}`;
    // Files before the oldest window cannot count for any counter: not listed.
    const windows = cdcWindows(dates, dms);
    const since = windows.some((w) => !w.at) ? undefined : windows[0].at;
    const files = (bucket: string, trustMetadata: boolean) => tableFiles(clients.s3, bucket, dms, since, { trustMetadata });
    const targets = settings.targets.filter((t) => t.tables.some((g) => matchesTableGlob(g, id))).map((t) => t.name);
    tables.push(
      reconcileTable(
        dates,
        {
          dms,
          raw: await files(settings.rawBucket, false),
          harmonized: await files(settings.harmonizedBucket, true),
          quarantined: await files(settings.quarantineBucket, true),
          targets: settings.lake ? await targetProgress(settings.lake, settings.source, targets, id, stateCache) : undefined,
        },
        drift,
      ),
    );
  }
  return { taskId: settings.taskId, taskStatus: task.Status ?? "unknown", tables, appliedChecked: !!settings.lake };
}

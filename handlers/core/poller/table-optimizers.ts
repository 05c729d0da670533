/**
 * Iceberg upkeep on AWS (DESIGN §6): each Iceberg table of the target — the target table and, for a table with a key,
 * its tombstones — gets the Glue Data Catalog's three table optimizers (compaction, snapshot retention, orphan-file
 * deletion) with the target's settings, run by AWS with the target's optimizer role (components/table-optimizer-role.ts).
 *
 * Why the optimizers and not a scheduled Spark job: AWS runs them, sizes them, schedules them when a table needs it and
 * retries them; they commit through Iceberg's optimistic concurrency next to the apply job's MERGEs, so no job of ours
 * has to be fitted between runs; and there is no code of ours to keep working. A scheduled job would be for what they
 * do not cover — today nothing the targets need (the same procedures are `maintenanceStatements`, plan/iceberg-maintenance.ts,
 * and the local proof runs them).
 *
 * When: the apply job creates a table at run time (CREATE TABLE IF NOT EXISTS), so there is nothing to enable at deploy
 * time. The poller enables them once a run has applied the table (its state has `appliedThrough`: the table exists in
 * the catalog), and records in the table's state the settings it enabled them with (`optimizers`, a fingerprint). A
 * changed setting changes the fingerprint, and the next tick updates every table's optimizers. Create first, update
 * when it exists: both are idempotent, so a tick that dies half way is simply done again.
 */
import type { Logger } from "@aws-lambda-powertools/logger";
import type { TableMetadata } from "../../../metadata/format";
import { tableId } from "../../../metadata/format";
import { maintainedTables } from "../plan/iceberg-maintenance";
import type { IcebergSettings } from "../plan/iceberg-settings";
import { sha256Hex } from "../plan/manifest";
import { updateTargetState, type LoadedState, type VersionedStore } from "./state-store";

export const OPTIMIZER_TYPES = ["compaction", "retention", "orphan_file_deletion"] as const;
export type OptimizerType = (typeof OPTIMIZER_TYPES)[number];

/** A `TableOptimizerConfiguration` of the Glue API (CreateTableOptimizer, UpdateTableOptimizer), one type's part set. */
export interface OptimizerConfiguration {
  roleArn: string;
  enabled: boolean;
  compactionConfiguration?: {
    icebergConfiguration: { strategy: "binpack"; minInputFiles: number; deleteFileThreshold: number };
  };
  retentionConfiguration?: {
    icebergConfiguration: {
      snapshotRetentionPeriodInDays: number;
      numberOfSnapshotsToRetain: number;
      cleanExpiredFiles: boolean;
    };
  };
  orphanFileDeletionConfiguration?: { icebergConfiguration: { orphanFileRetentionPeriodInDays: number } };
}

/** The Glue catalog's table optimizers, as the poller uses them. */
export interface TableOptimizers {
  /**
   * Creates the table's optimizer of `type` with `configuration`, or updates it when one exists. `no-table` when the
   * table is not in the catalog (yet).
   */
  put(
    table: { database: string; name: string },
    type: OptimizerType,
    configuration: OptimizerConfiguration,
  ): Promise<"created" | "updated" | "no-table">;
}

/**
 * The configuration of one optimizer from the target's settings: binpack compaction (Glue's recommended strategy, and
 * the one the local proof runs), retention deleting the expired snapshots' files, orphan deletion after its days.
 * Compaction turned off stays declared, disabled, so the table shows it was turned off rather than never set.
 */
export function optimizerConfiguration(type: OptimizerType, s: IcebergSettings, roleArn: string): OptimizerConfiguration {
  switch (type) {
    case "compaction":
      return {
        roleArn,
        enabled: s.compaction,
        compactionConfiguration: {
          icebergConfiguration: { strategy: "binpack", minInputFiles: s.compactionMinInputFiles, deleteFileThreshold: 1 },
        },
      };
    case "retention":
      return {
        roleArn,
        enabled: true,
        retentionConfiguration: {
          icebergConfiguration: {
            snapshotRetentionPeriodInDays: s.snapshotRetentionDays,
            numberOfSnapshotsToRetain: s.snapshotsToKeep,
            cleanExpiredFiles: true,
          },
        },
      };
    case "orphan_file_deletion":
      return {
        roleArn,
        enabled: true,
        orphanFileDeletionConfiguration: { icebergConfiguration: { orphanFileRetentionPeriodInDays: s.orphanFileRetentionDays } },
      };
  }
}

/** What a table's state records: the settings its optimizers were last put with (any change puts them again). */
export function optimizerFingerprint(s: IcebergSettings, roleArn: string): string {
  const all = OPTIMIZER_TYPES.map((t) => optimizerConfiguration(t, s, roleArn));
  return sha256Hex(JSON.stringify(all)).slice(0, 16);
}

/** Tables whose optimizers one tick puts at most: 6 calls each, well inside the poller's time even when Glue is slow. */
export const OPTIMIZED_TABLES_PER_TICK = 10;

export interface OptimizerDeps {
  optimizers: TableOptimizers;
  store: VersionedStore;
  logger: Logger;
  source: string;
  target: string;
  /** The target's Glue database. */
  database: string;
  /** The role Glue runs the optimizers with. */
  roleArn: string;
  settings: IcebergSettings;
  tables: readonly TableMetadata[];
}

/**
 * Puts the optimizers of the applied tables whose state does not record the current settings, up to
 * {@link OPTIMIZED_TABLES_PER_TICK} per tick, and records them. A table that fails (or is not in the catalog yet) is
 * logged and tried again next tick; it never holds up the target's runs. Returns the state after.
 */
export async function enableTableOptimizers(deps: OptimizerDeps, loaded: LoadedState): Promise<LoadedState> {
  const fingerprint = optimizerFingerprint(deps.settings, deps.roleArn);
  const byId = new Map(deps.tables.map((m) => [tableId(m), m]));
  const due = Object.entries(loaded.state.tables)
    .filter(([id, t]) => t.appliedThrough !== undefined && t.optimizers !== fingerprint && byId.has(id))
    .map(([id]) => id)
    .sort()
    .slice(0, OPTIMIZED_TABLES_PER_TICK);
  const done: string[] = [];
  for (const id of due) {
    try {
      if (await putTable(deps, byId.get(id) as TableMetadata)) done.push(id);
      else deps.logger.info("table not in the Glue catalog yet; its optimizers are enabled on a later tick", { table: id });
    } catch (err) {
      deps.logger.warn("table optimizers not enabled; tried again next tick", { table: id, error: (err as Error).message });
    }
  }
  if (done.length === 0) return loaded;
  deps.logger.info("table optimizers enabled", { tables: done, settings: fingerprint });
  return updateTargetState(
    deps.store,
    deps.source,
    deps.target,
    (s) => {
      const tables = { ...s.tables };
      for (const id of done) if (tables[id]) tables[id] = { ...tables[id], optimizers: fingerprint };
      return { ...s, tables };
    },
    loaded,
  );
}

/** All three optimizers on each of the table's Iceberg tables; false when one is not in the catalog. */
async function putTable(deps: OptimizerDeps, meta: TableMetadata): Promise<boolean> {
  for (const name of maintainedTables(meta)) {
    for (const type of OPTIMIZER_TYPES) {
      const r = await deps.optimizers.put(
        { database: deps.database, name },
        type,
        optimizerConfiguration(type, deps.settings, deps.roleArn),
      );
      if (r === "no-table") return false;
    }
  }
  return true;
}

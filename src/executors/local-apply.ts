/**
 * Applies one batch locally the way the Glue job does in AWS: DuckDB loads and deduplicates the files, the
 * deduplicated batch is copied into MySQL staging and merged there, then DuckDB merges it into its own tables.
 */
import type { TableMetadata } from "../../metadata/format";
import type { TableShape } from "../../metadata/schema-diff";
import type { BatchFile, Generation } from "../../handlers/core/plan/plan";
import type { ApplyCounts } from "./counts";
import type { DuckDbExecutor } from "./duckdb";
import type { MySqlExecutor } from "./mysql";
import { readStagingRows } from "./transfer";

export interface LocalTargets {
  duck: DuckDbExecutor;
  mysql?: MySqlExecutor;
}

export interface LocalApplyResult {
  duck: ApplyCounts;
  mysql?: ApplyCounts;
}

export async function applyBatchLocally(
  targets: LocalTargets,
  meta: TableMetadata,
  files: readonly BatchFile[],
  options: {
    tombstoneCutoff?: string;
    generation?: Generation;
    /** The shape the targets were last applied with, when `meta` changed it: both are altered first (`evolve`). */
    applied?: TableShape;
    /** Rebuild the targets first, setting the old tables aside under this tag (`rebuildStatements`). */
    rebuild?: string;
  } = {},
): Promise<LocalApplyResult> {
  if (options.applied && !options.rebuild) {
    await targets.mysql?.evolve(meta, options.applied);
    await targets.duck.evolve(meta, options.applied);
  }
  if (options.rebuild) {
    const rebuild = { tag: options.rebuild, generation: options.generation, applied: options.applied };
    await targets.mysql?.rebuild(meta, rebuild);
    await targets.duck.rebuild(meta, rebuild);
  }
  const staged = await targets.duck.stage(meta, files, options.generation);
  const mysql = targets.mysql ? await targets.mysql.apply(meta, await readStagingRows(targets.duck, staged), options) : undefined;
  const duck = await targets.duck.merge(staged, options);
  return mysql ? { duck, mysql } : { duck };
}

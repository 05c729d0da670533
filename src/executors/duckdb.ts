/**
 * Runs the DuckDB rendering of the CDC plan (local mode, `cdc replay`, tests) and writes the publication: one Parquet
 * file per table with its live rows. One executor holds one DuckDB database; tables are created on first use.
 */
import { DuckDBConnection, DuckDBInstance, DuckDBTimestampTZValue } from "@duckdb/node-api";
import type { TableMetadata } from "../../metadata/format";
import type { TableShape } from "../../metadata/schema-diff";
import { duckdb, duckdbMergeInto, type Dialect } from "../../handlers/core/plan/dialect";
import type { BatchFile, BatchStatements, Generation, TablePlan } from "../../handlers/core/plan/plan";
import { TablePlans } from "./table-plans";
import { countsFromSummary, type ApplyCounts } from "./counts";

/** A batch loaded and deduplicated into the session, ready to be merged (and copied to other targets first). */
export interface StagedBatch {
  plan: TablePlan;
  statements: BatchStatements;
}

export interface MergeOptions {
  /**
   * Expire tombstones of deletes older than this `cdc_timestamp` (see `tombstoneCutoff`) before the guard, so that
   * running the same batch again is a no-op (see `TablePlan.expire`).
   */
  tombstoneCutoff?: string;
  /** The batch belongs to this generation of the table (a reload; see handlers/core/plan/generation.ts). */
  generation?: Generation;
}

/**
 * Opens a DuckDB database whose sessions run in UTC (DESIGN §5). DuckDB otherwise takes the machine's zone, and casting
 * a UTC-adjusted Parquet timestamp (TIMESTAMP WITH TIME ZONE) to the target's TIMESTAMP would shift it by the offset.
 * The zone is set after opening: ICU, which owns the setting, is not loaded yet when the instance's config is read.
 */
export async function openDuckDb(path: string, config: Record<string, string> = {}): Promise<DuckDBInstance> {
  // The client prints TIMESTAMP WITH TIME ZONE values itself, at the machine's offset of the day it loaded.
  DuckDBTimestampTZValue.timezoneOffsetInMinutes = 0;
  const instance = await DuckDBInstance.create(path, config);
  const connection = await instance.connect();
  try {
    await connection.run("SET GLOBAL TimeZone = 'UTC'");
  } finally {
    connection.closeSync();
  }
  return instance;
}

export class DuckDbExecutor {
  private readonly tables: TablePlans;

  private constructor(
    private readonly instance: DuckDBInstance,
    /** The open connection; exposed for callers that read the deduplicated batch (the MySQL copy) or the tables. */
    readonly connection: DuckDBConnection,
    dialect: Dialect,
  ) {
    this.tables = new TablePlans(dialect, (sql) => connection.run(sql));
  }

  /**
   * Opens an in-memory database (or a database file, to keep targets between runs). `threads` caps DuckDB's worker
   * threads: one is fastest for many tiny batches (tests), the default (all cores) for large ones. `merge: "merge-into"`
   * runs Spark's MERGE statements instead of the faster delete-and-insert (the property tests use both).
   */
  static async open(
    path = ":memory:",
    options: { threads?: number; merge?: "merge-into" | "delete-insert" } = {},
  ): Promise<DuckDbExecutor> {
    // Nothing reads a table in storage order (every export and listing sorts), so DuckDB may write in parallel.
    const config: Record<string, string> = { preserve_insertion_order: "false" };
    if (options.threads !== undefined) config.threads = String(options.threads);
    const instance = await openDuckDb(path, config);
    const dialect = options.merge === "merge-into" ? duckdbMergeInto : duckdb;
    return new DuckDbExecutor(instance, await instance.connect(), dialect);
  }

  /** The DuckDB plan of a table (cached per table id). */
  plan(meta: TableMetadata): TablePlan {
    return this.tables.plan(meta);
  }

  /** Creates the target and tombstone tables when missing. */
  ensureTables(plan: TablePlan): Promise<void> {
    return this.tables.ensureTables(plan);
  }

  /**
   * Alters the table's DuckDB tables from the `applied` shape to `meta`'s before its first batch of the new shape
   * (`TablePlans.evolve`); harmless to run again. Returns the statements run.
   */
  evolve(meta: TableMetadata, applied: TableShape): Promise<string[]> {
    return this.tables.evolve(meta, applied);
  }

  /**
   * Sets the table's DuckDB tables aside as `<name>__before_<tag>` and creates them anew (`TablePlans.rebuild`);
   * harmless to run again. Returns the statements run.
   */
  rebuild(meta: TableMetadata, rebuild: Parameters<TablePlans["rebuild"]>[1]): Promise<string[]> {
    return this.tables.rebuild(meta, rebuild, async (probe) =>
      (await this.connection.runAndReadAll(probe)).getRows().map((r) => String(r[0])),
    );
  }

  /**
   * Loads `files` (in batch order) and keeps the last change per key in the plan's `changes` relation. A batch of a new
   * full load names its `generation` (see handlers/core/plan/generation.ts): its floor is pinned here.
   */
  async stage(meta: TableMetadata, files: readonly BatchFile[], generation?: Generation): Promise<StagedBatch> {
    const plan = this.plan(meta);
    await this.ensureTables(plan);
    const statements = plan.batch(files, generation);
    for (const sql of [...statements.load, ...statements.dedupe]) await this.connection.run(sql);
    return { plan, statements };
  }

  /** Expires tombstones, guards and merges a staged batch in one transaction, then drops the session relations. */
  async merge(staged: StagedBatch, options: MergeOptions = {}): Promise<ApplyCounts> {
    const { plan, statements } = staged;
    await this.connection.run("BEGIN TRANSACTION");
    try {
      if (options.tombstoneCutoff !== undefined) {
        for (const sql of plan.expire(options.tombstoneCutoff)) await this.connection.run(sql);
      }
      for (const sql of statements.guard) await this.connection.run(sql);
      const summary = await this.connection.runAndReadAll(statements.summary);
      const counts = countsFromSummary(summary.getRowObjectsJson() as Array<{ action: string; n: string }>);
      for (const sql of statements.merge) await this.connection.run(sql);
      await this.connection.run("COMMIT");
      for (const sql of statements.cleanup) await this.connection.run(sql);
      return counts;
    } catch (err) {
      await this.connection.run("ROLLBACK");
      throw err;
    }
  }

  /** Stage and merge in one call. */
  async apply(meta: TableMetadata, files: readonly BatchFile[], options: MergeOptions = {}): Promise<ApplyCounts> {
    return this.merge(await this.stage(meta, files, options.generation), options);
  }

  /** The live rows of a table in publication column order, as JSON-safe values, sorted by every column. */
  async rows(meta: TableMetadata): Promise<Array<Record<string, unknown>>> {
    const plan = this.plan(meta);
    await this.ensureTables(plan);
    const cols = plan.publicationColumns().map((c) => duckdb.quote(c));
    const reader = await this.connection.runAndReadAll(`SELECT ${cols.join(", ")} FROM ${plan.name("target")} ORDER BY ALL`);
    return reader.getRowObjectsJson();
  }

  /**
   * Writes the publication Parquet file of a table: its live rows (source columns, `_cdc_seq`, `_cdc_timestamp`;
   * change logs also `_cdc_op`) sorted by key, so the same state always gives the same bytes. Returns the row count.
   */
  async exportParquet(meta: TableMetadata, file: string): Promise<number> {
    const plan = this.plan(meta);
    await this.ensureTables(plan);
    const cols = plan.publicationColumns().map((c) => duckdb.quote(c));
    const order = (plan.mode === "upsert" ? meta.primaryKey : ["_cdc_seq", "_cdc_row"]).map((c) => duckdb.quote(c));
    const select = `SELECT ${cols.join(", ")} FROM ${plan.name("target")} ORDER BY ${order.join(", ")}`;
    const escaped = file.replace(/'/g, "''");
    await this.connection.run(`COPY (${select}) TO '${escaped}' (FORMAT parquet, COMPRESSION zstd)`);
    const n = await this.connection.runAndReadAll(`SELECT COUNT(*) FROM ${plan.name("target")}`);
    return Number(n.getRows()[0][0]);
  }

  close(): void {
    this.connection.closeSync();
    this.instance.closeSync();
  }
}

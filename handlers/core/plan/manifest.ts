/**
 * The run manifest (DESIGN §4): what the poller hands the Glue ETL job of one target. It names the files of each table
 * in batch order and carries every statement to execute, already rendered, so the Python runner only executes:
 *
 *   spark.create  → spark.load → spark.dedupe   (the deduplicated batch is now the view `stage.fromView`)
 *   mysql.create  → mysql.load  → copy `stage.fromView` into `stage.table` over JDBC
 *   BEGIN; mysql.apply; COMMIT                  (expiry, guard, delete, tombstones, upsert: one transaction per table)
 *   spark.expire → spark.guard → spark.summary (logged) → spark.merge → spark.cleanup
 * then, when every table has an outcome (applied, or failed: see `runOutcomeSchema`), it writes `doneUri`. A manifest
 * whose `.done` marker is missing is run again, which the plan makes harmless.
 * MySQL goes first so the Iceberg publication never shows a batch the MySQL target has not committed. Expiry comes
 * before the guard on both sides, so a run is "expire, then apply" and repeating it changes nothing (see `TablePlan.expire`).
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import type { TableMetadata } from "../../../metadata/format";
import { tableShape, tableShapeSchema, type TableShape } from "../../../metadata/schema-diff";
import { mysqlDialect, spark, type MySqlFlavor } from "./dialect";
import type { IcebergSettings } from "./iceberg-settings";
import { defaultTableNames, TablePlan, type BatchFile, type Generation } from "./plan";
import { rebuildStatements, schemaChangePlan, schemaStatementSchema } from "./schema-change";
import { tombstoneCutoff } from "./sequence";

export const MANIFEST_VERSION = 1;

const statements = z.array(z.string().min(1));

export const manifestTableSchema = z.strictObject({
  /** `<schema>.<table>`. */
  table: z.string().min(1),
  /** s3:// URIs in batch order (full load first, then DMS file order). */
  files: z.array(z.string().regex(/^s3:\/\/[^/]+\/.+/, { error: "expected an s3:// URI" })).min(1),
  /**
   * Each file's version, in the order of `files`: the harmonized object's ETag the poller was told about (unquoted).
   * The runner checks every file's current ETag first and holds the table rather than apply other bytes: a DMS reload
   * rewrites `LOAD00000001.parquet` in place, under the same key.
   */
  etags: z.array(z.string().regex(/^[^"\s]+$/, { error: "expected an ETag without quotes" })).min(1),
  /** The table's generation (a reload), when the batch has full-load files of one (see plan/generation.ts). */
  generation: z
    .strictObject({ id: z.string().min(1), at: z.string().min(1), sweep: z.boolean(), file: z.string().min(1) })
    .optional(),
  /**
   * The latest source commit time (ISO-8601 UTC) among the announced files that said one (`latestCommitAt` of the
   * validated-file messages): the poller's commit-to-target metric once the run is applied. The runner ignores it.
   */
  latestCommitAt: z.iso.datetime().optional(),
  /** The table's shape once the run applied it: the poller keeps it, and plans the next schema change from it. */
  shape: tableShapeSchema.optional(),
  /**
   * The run rebuilds the table's targets (an incompatible change, `cdc target resume --rebuild`) before it applies the
   * reload's generation: `evolve` sets the old tables aside as `<name>__before_<tag>` (`backups`) and creates them anew.
   */
  rebuild: z.strictObject({ tag: z.string().regex(/^[a-z0-9_]+$/), backups: z.array(z.string().min(1)).min(1) }).optional(),
  /** The shape the targets had before, when the run alters or rebuilds them first (`evolve`): what the local runner starts from. */
  evolvedFrom: tableShapeSchema.optional(),
  /**
   * Each file's columns (null: every column of the metadata), only when some file lacks a column of the metadata (it
   * was written before the column was added): the load statements already read those as NULL; the local runner reads
   * the files by them. Absent in every other run, so manifests stay small.
   */
  fileColumns: z.array(z.array(z.string().min(1)).nullable()).optional(),
  spark: z.strictObject({
    create: statements,
    /** Schema changes from the applied shape (schema-change.ts), after create and before the batch is read. */
    evolve: z.array(schemaStatementSchema).optional(),
    load: statements,
    dedupe: statements,
    guard: statements,
    /** Counts the batch's changes by action (stale, insert, update, delete, tombstone); the runner logs it. */
    summary: z.string().min(1),
    merge: statements,
    expire: statements,
    cleanup: statements,
  }),
  mysql: z
    .strictObject({
      create: statements,
      /** Schema changes of the target, staging and tombstone tables, after create. */
      evolve: z.array(schemaStatementSchema).optional(),
      /** Empties the staging table before the copy. */
      load: statements,
      /** Where the deduplicated batch is copied from (a Spark view) and to (a MySQL table), with its columns. */
      stage: z.strictObject({
        fromView: z.string().min(1),
        table: z.string().min(1),
        columns: z.array(z.string().min(1)).min(1),
      }),
      /** Executed in one transaction: tombstone expiry, then guard and merge. */
      apply: statements,
    })
    .optional(),
});
export type ManifestTable = z.infer<typeof manifestTableSchema>;

/** An ETag as S3 returns it (`"…"`) in the form manifests pin it. */
export function unquoteEtag(etag: string): string {
  return etag.replace(/^"|"$/g, "");
}

export const runManifestSchema = z.strictObject({
  version: z.literal(MANIFEST_VERSION),
  /** `<source>/<target>`. */
  target: z.string().min(1),
  runId: z.string().regex(/^[A-Za-z0-9._-]+$/, { error: "expected letters, digits, '.', '_' or '-'" }),
  createdAt: z.iso.datetime(),
  /** Written by the runner when every table has an outcome (`runOutcomeSchema`). */
  doneUri: z.string().regex(/^s3:\/\/[^/]+\/.+\.done$/, { error: "expected an s3:// URI ending in .done" }),
  tables: z.array(
    manifestTableSchema.refine((t) => t.etags.length === t.files.length, {
      error: "expected one ETag per file",
      path: ["etags"],
    }),
  ),
});
export type RunManifest = z.infer<typeof runManifestSchema>;

/**
 * The `.done` marker's body: the run has finished, and every table of its manifest has an outcome. `applied`: its
 * statements committed. `failed`: its statements failed, nothing of it counts as applied, and the poller holds the
 * table (its later files wait) while the other tables go on. The marker therefore means "this run is over", not "every
 * table is applied": a run whose job died writes none and is run again. A marker without `tables` (written before
 * tables could fail alone) means every table was applied.
 */
export const runOutcomeSchema = z.looseObject({
  runId: z.string().min(1),
  tables: z
    .array(
      z.looseObject({
        table: z.string().min(1),
        status: z.enum(["applied", "failed"]),
        /** First line of the engine's error, for a failed table. */
        error: z.string().optional(),
      }),
    )
    .optional(),
});
export type RunOutcome = z.infer<typeof runOutcomeSchema>;

/** Each manifest table with its files and its outcome; a table the marker does not mention counts as failed. */
export function tableOutcomes(
  manifest: { tables: Array<Pick<ManifestTable, "table" | "files" | "etags" | "generation" | "shape" | "rebuild">> },
  outcome: RunOutcome,
): Array<{
  table: string;
  files: string[];
  etags: string[];
  generation?: { id: string; file: string; sweep: boolean };
  shape?: TableShape;
  rebuild?: { tag: string; backups: string[] };
  status: "applied" | "failed";
  error?: string;
}> {
  return manifest.tables.map(({ table, files, etags, generation, shape, rebuild }) => {
    const base = {
      table,
      files,
      etags,
      ...(generation ? { generation } : {}),
      ...(shape ? { shape } : {}),
      ...(rebuild ? { rebuild } : {}),
    };
    if (!outcome.tables) return { ...base, status: "applied" as const };
    const t = outcome.tables.find((o) => o.table === table);
    if (!t) return { ...base, status: "failed" as const, error: `the run's .done marker has no outcome for ${table}` };
    return { ...base, status: t.status, ...(t.error !== undefined ? { error: t.error } : {}) };
  });
}

export interface ManifestTableInput {
  meta: TableMetadata;
  /** s3:// URIs in batch order. */
  files: string[];
  /** Each file's ETag, in the order of `files`. */
  etags: string[];
  /**
   * Each file's column names, in the order of `files`, where known (the validated-file message says them): a file
   * written before a column was added reads it as NULL. A file without them is read as having every metadata column.
   */
  columns?: ReadonlyArray<readonly string[] | undefined>;
  /** The table's generation, when the batch has full-load files of a reload (handlers/core/poller/generations.ts). */
  generation?: Generation & { file: string };
  /** The latest source commit time of the batch's announced files, when known (for the delay metric). */
  latestCommitAt?: string;
  /**
   * The shape the table's targets were last applied with (the poller's state), when it differs from `meta`: the
   * manifest then carries the ALTER statements first. It must be a compatible change: the poller holds the others.
   */
  applied?: TableShape;
  /**
   * Rebuild the targets first (an incompatible change the user chose to rebuild from a reload): only with the batch
   * that starts the reload's generation, which fills the new tables.
   */
  rebuild?: boolean;
}

/** Whether a file with these columns lacks one of the metadata's (case-insensitively): written before it was added. */
export function lacksColumns(meta: Pick<TableMetadata, "columns">, columns: readonly string[]): boolean {
  const have = new Set(columns.map((c) => c.toLowerCase()));
  return meta.columns.some((c) => !have.has(c.name.toLowerCase()));
}

/** The bytes a manifest is stored as: what the poller writes and hashes, and the job checks (`--manifest_sha256`). */
export function manifestBody(manifest: RunManifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** SHA-256 (hex) of a manifest's stored bytes. */
export function sha256Hex(text: string | Uint8Array): string {
  return createHash("sha256").update(text).digest("hex");
}

export interface BuildManifestInput {
  target: string;
  runId: string;
  /** Where the manifest is stored (`s3://…/<runId>.json`); the marker is the same key with `.done`. */
  manifestUri: string;
  /** Glue catalog database of the Iceberg tables (Spark names them `<catalog>.<database>.<table>`). */
  sparkNamespace: string[];
  /** The target's MySQL-compatible database server, or false when it has none. */
  mysql: MySqlFlavor | false;
  tombstoneRetentionDays: number;
  /** The target's Iceberg write properties, which new Iceberg tables are created with (default: `format-version` 2 only). */
  iceberg?: IcebergSettings;
  /** The poller's clock: tombstones older than retention before this expire. */
  now: Date;
  tables: ManifestTableInput[];
}

/** Builds a run manifest from metadata and files: every statement rendered by the plan core. */
export function buildRunManifest(input: BuildManifestInput): RunManifest {
  const cutoff = tombstoneCutoff(input.now, input.tombstoneRetentionDays);
  const tables = input.tables.map(
    ({ meta, files, etags, columns, generation, latestCommitAt, applied, rebuild }): ManifestTable => {
      if (rebuild && !generation?.sweep)
        throw new Error(`${meta.schema}.${meta.table}: a rebuild needs the batch that starts the reload's generation`);
      if (etags.length !== files.length) throw new Error(`${meta.schema}.${meta.table}: expected one ETag per file`);
      if (columns && columns.length !== files.length)
        throw new Error(`${meta.schema}.${meta.table}: expected one column list (or none) per file`);
      // Only files lacking a column of the metadata are read by their columns: the others read as they always did.
      const fileColumns = files.map((_, i) => {
        const c = columns?.[i];
        return c && lacksColumns(meta, c) ? c : undefined;
      });
      const batch: BatchFile[] = files.map((uri, i) => {
        const c = fileColumns[i];
        return c ? { uri, columns: c } : { uri };
      });
      const sp = new TablePlan(meta, spark, defaultTableNames(meta, input.sparkNamespace), input.iceberg);
      const s = sp.batch(batch, generation);
      // The generation's (the reload's full load): a later attempt of the same rebuild finds the same backups.
      const tag = `g${(generation?.id ?? "")
        .toLowerCase()
        .replace(/[^a-z0-9]/g, "")
        .slice(0, 12)}`;
      const rebuilding = (plan: TablePlan) => rebuildStatements(plan, { tag, generation, applied });
      const evolve = (plan: TablePlan) => {
        if (rebuild) return { evolve: rebuilding(plan).statements };
        if (!applied) return {};
        const change = schemaChangePlan(plan, applied);
        if (!change.compatible) throw new Error(`${plan.id}: incompatible schema change; the table must be held, not planned`);
        return change.statements.length > 0 ? { evolve: change.statements } : {};
      };
      const entry: ManifestTable = {
        table: sp.id,
        files,
        etags: etags.map(unquoteEtag),
        ...(generation ? { generation } : {}),
        ...(latestCommitAt !== undefined ? { latestCommitAt } : {}),
        shape: tableShape(meta),
        ...(rebuild && { rebuild: { tag, backups: rebuilding(sp).backups } }),
        ...(applied && { evolvedFrom: applied }),
        ...(fileColumns.some((c) => c) && { fileColumns: fileColumns.map((c) => (c ? [...c] : null)) }),
        spark: {
          create: sp.create(),
          ...evolve(sp),
          load: s.load,
          dedupe: s.dedupe,
          guard: s.guard,
          summary: s.summary,
          merge: s.merge,
          expire: sp.expire(cutoff),
          cleanup: s.cleanup,
        },
      };
      if (input.mysql) {
        const my = new TablePlan(meta, mysqlDialect(input.mysql));
        const m = my.batch([], generation);
        entry.mysql = {
          create: my.create(),
          ...evolve(my),
          load: m.load,
          stage: { fromView: sp.relations.changes, table: my.name("staging"), columns: m.changes.columns },
          apply: [...my.expire(cutoff), ...m.guard, ...m.merge],
        };
      }
      return entry;
    },
  );
  return {
    version: MANIFEST_VERSION,
    target: input.target,
    runId: input.runId,
    createdAt: input.now.toISOString(),
    doneUri: input.manifestUri.replace(/\.json$/, "") + ".done",
    tables,
  };
}

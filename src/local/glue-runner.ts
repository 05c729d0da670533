/**
 * The local stand-in for the target's Glue ETL job (handlers/glue/apply_changes.py). It reads the run manifest the
 * poller wrote, fetches each table's files in the manifest's order, and applies them per table with the plan core's
 * DuckDB rendering — the manifest carries Spark and MySQL statements; DuckDB's come from the same `TablePlan` for the
 * same files — then MySQL (when given) before DuckDB, as the Glue job does MySQL before Iceberg. It writes each
 * touched table's publication Parquet file and finally the manifest's `.done` marker with each table's outcome. As in
 * the Glue job, a table whose statements (or files) fail is recorded as failed and the next table goes on; the poller
 * then holds it. No CDC logic lives here.
 *
 * `--engine spark` runs the Glue job's own code instead (src/local/spark/spark-glue-job.ts).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { tableId, type TableMetadata } from "../../metadata/format";
import { findTable } from "../../metadata/load";
import { runManifestSchema, sha256Hex, unquoteEtag, type RunManifest, type RunOutcome } from "../../handlers/core/plan/manifest";
import { tombstoneCutoff } from "../../handlers/core/plan/sequence";
import type { JobRunInfo, JobRuns } from "../../handlers/core/poller/ports";
import { NO_CHANGES, type ApplyCounts } from "../executors/counts";
import type { DuckDbExecutor } from "../executors/duckdb";
import { applyBatchLocally } from "../executors/local-apply";
import type { MySqlExecutor } from "../executors/mysql";

export interface LocalRunnerOptions {
  s3: S3Client;
  tables: readonly TableMetadata[];
  duck: DuckDbExecutor;
  mysql?: MySqlExecutor;
  tombstoneRetentionDays: number;
  /** Where batch files are fetched to (the Glue job reads them from S3 directly). */
  workDir: string;
  /** Where `<schema>.<table>.parquet` publication files are written. */
  publicationDir: string;
  /** Where a copy of each manifest is kept for people to read (the Spark and MySQL statements Glue would run). */
  manifestDir?: string;
}

/** What one run did to one table: the lake table's counts (DuckDB or Iceberg), MySQL's, and the live rows after. */
export interface LocalRunTable {
  table: string;
  files: string[];
  lake: ApplyCounts;
  mysql?: ApplyCounts;
  rows: number;
  /** The first line of the error when the table's statements failed (its counts are then zero). */
  failed?: string;
}

/** What one run did. */
export interface LocalRun {
  jobRunId: string;
  manifest: RunManifest;
  tables: LocalRunTable[];
  /** When the run committed (its tables became queryable). */
  finishedAt: Date;
}

/**
 * A local Glue job as the poller sees it ({@link JobRuns}): one run at a time, like a Glue job with MaxConcurrentRuns
 * 1; what a run does is the subclass's.
 */
export abstract class LocalJobRuns implements JobRuns {
  private current: { id: string; done: Promise<LocalRun | undefined> } | undefined;
  private counter = 0;
  /** Runs in the order they finished. */
  readonly finished: LocalRun[] = [];
  /** Runs that threw, with the error (their manifests stay without `.done` and are re-submitted by the poller). */
  readonly failed: Array<{ jobRunId: string; manifestUri: string; manifestSha256: string; error: Error }> = [];

  /**
   * Runs the manifest at `manifestUri` and writes its `.done` marker; refuses (throws, as the Glue job fails) a
   * manifest whose bytes do not hash to `manifestSha256`.
   */
  protected abstract execute(jobRunId: string, manifestUri: string, manifestSha256: string): Promise<LocalRun>;

  async recent(): Promise<JobRunInfo[]> {
    const failed = this.failed.map((f) => ({
      id: f.jobRunId,
      active: false,
      failed: true,
      manifestUri: f.manifestUri,
      manifestSha256: f.manifestSha256,
    }));
    return this.current ? [...failed, { id: this.current.id, active: true, failed: false }] : failed;
  }

  async start(
    manifestUri: string,
    manifestSha256: string,
  ): Promise<{ started: true; jobRunId: string } | { started: false; reason: string }> {
    if (this.current) return { started: false, reason: `run ${this.current.id} is in progress (MaxConcurrentRuns 1)` };
    const id = `jr_local_${String(++this.counter).padStart(6, "0")}`;
    const done = this.execute(id, manifestUri, manifestSha256).then(
      (run) => {
        this.finished.push(run);
        return run;
      },
      (error: Error) => {
        this.failed.push({ jobRunId: id, manifestUri, manifestSha256, error });
        return undefined;
      },
    );
    this.current = { id, done: done.finally(() => (this.current = undefined)) };
    return { started: true, jobRunId: id };
  }

  /** Waits for the run in progress, if any; returns it (undefined when it failed or none was running). */
  async wait(): Promise<LocalRun | undefined> {
    return this.current?.done;
  }
}

/** The DuckDB stand-in for the Glue job: the plan's DuckDB rendering of each manifest table (see the file's comment). */
export class LocalGlueJob extends LocalJobRuns {
  constructor(private readonly options: LocalRunnerOptions) {
    super();
  }

  protected async execute(jobRunId: string, manifestUri: string, manifestSha256: string): Promise<LocalRun> {
    const { s3, duck, mysql } = this.options;
    const text = await getText(s3, manifestUri);
    checkManifestSha256(manifestUri, text, manifestSha256);
    const manifest = runManifestSchema.parse(JSON.parse(text));
    if (this.options.manifestDir) {
      fs.mkdirSync(this.options.manifestDir, { recursive: true });
      fs.writeFileSync(path.join(this.options.manifestDir, `${manifest.runId}.json`), text);
    }
    const cutoff = tombstoneCutoff(new Date(manifest.createdAt), this.options.tombstoneRetentionDays);
    const tables: LocalRun["tables"] = [];
    for (const entry of manifest.tables) {
      const [schema, ...rest] = entry.table.split(".");
      const meta = findTable(this.options.tables, schema, rest.join("."));
      if (!meta) throw new Error(`${manifestUri}: table ${entry.table} has no metadata here`);
      const files: string[] = [];
      try {
        for (const [i, uri] of entry.files.entries()) files.push(await this.fetch(uri, entry.etags[i]));
        const counts = await applyBatchLocally(
          { duck, mysql },
          meta,
          files.map((f, i) => {
            const columns = entry.fileColumns?.[i];
            return columns ? { uri: f, columns } : { uri: f };
          }),
          { tombstoneCutoff: cutoff, generation: entry.generation, applied: entry.evolvedFrom, rebuild: entry.rebuild?.tag },
        );
        const rows = await this.publish(meta);
        tables.push({ table: entry.table, files: entry.files, lake: counts.duck, mysql: counts.mysql, rows });
      } catch (err) {
        // MySQL's and DuckDB's transactions rolled back; the session relations go, as the Glue job drops them.
        // (None exist when no file could be fetched: then there is no batch to render either.)
        if (files.length > 0)
          for (const sql of duck.plan(meta).batch(files.map((f) => ({ uri: f }))).cleanup)
            await duck.connection.run(sql).catch(() => undefined);
        const failed = firstLine(err);
        tables.push({ table: entry.table, files: entry.files, lake: NO_CHANGES, rows: 0, failed });
      }
    }
    const [bucket, key] = splitS3Uri(manifest.doneUri);
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: JSON.stringify(runOutcome(manifest.runId, jobRunId, tables)) }),
    );
    return { jobRunId, manifest, tables, finishedAt: new Date() };
  }

  /**
   * Copies an s3:// object to the work directory under its bucket and key, so the DMS file name is kept. The bytes
   * read must be the version the manifest pins: the ETag comes with the same response, so this checks exactly what
   * is applied (a mismatch fails the table, which the poller then holds).
   */
  private async fetch(uri: string, etag: string): Promise<string> {
    const [bucket, key] = splitS3Uri(uri);
    const local = path.join(this.options.workDir, bucket, ...key.split("/"));
    fs.mkdirSync(path.dirname(local), { recursive: true });
    const r = await this.options.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    if (unquoteEtag(r.ETag ?? "") !== unquoteEtag(etag))
      throw new Error(
        `${uri}: expected ETag ${etag} (the version the poller planned), found ${unquoteEtag(r.ETag ?? "")}: the file was replaced`,
      );
    fs.writeFileSync(local, (await r.Body?.transformToByteArray()) ?? new Uint8Array(0));
    return local;
  }

  /** Rewrites the table's publication file (next to its final name, then renamed: readers never see half a file). */
  private async publish(meta: TableMetadata): Promise<number> {
    fs.mkdirSync(this.options.publicationDir, { recursive: true });
    const target = path.join(this.options.publicationDir, `${tableId(meta)}.parquet`);
    const tmp = `${target}.tmp-${process.pid}`;
    const rows = await this.options.duck.exportParquet(meta, tmp);
    fs.renameSync(tmp, target);
    return rows;
  }
}

/** The `.done` marker's body (runOutcomeSchema): each table applied or failed. */
export function runOutcome(runId: string, jobRunId: string, tables: readonly LocalRunTable[]): RunOutcome {
  return {
    runId,
    jobRunId,
    tables: tables.map((t) =>
      t.failed === undefined
        ? { table: t.table, status: "applied" as const }
        : { table: t.table, status: "failed" as const, error: t.failed },
    ),
  };
}

/** An engine error's first line, as the Glue job records it. */
export function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return (text.split("\n").find((l) => l.trim() !== "") ?? "error").trim().slice(0, 2000);
}

/** Refuses, as the Glue job does, a manifest whose bytes do not hash to what the poller passed. */
export function checkManifestSha256(manifestUri: string, text: string, expected: string): void {
  const actual = sha256Hex(text);
  if (actual !== expected.toLowerCase())
    throw new Error(`${manifestUri}: SHA-256 ${actual} differs from the ${expected} the poller passed; refusing to run it`);
}

export function splitS3Uri(uri: string): [string, string] {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!m) throw new Error(`expected s3://bucket/key, got ${uri}`);
  return [m[1], m[2]];
}

async function getText(s3: S3Client, uri: string): Promise<string> {
  const [bucket, key] = splitS3Uri(uri);
  const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await r.Body?.transformToString("utf-8")) ?? "";
}

/**
 * `cdc local --engine spark`: the target's Glue job is the Glue job's own code (handlers/glue/apply_changes.py) on local
 * Spark + Iceberg, reading the manifests the real poller wrote and the files they name from S3 on moto, applying to the
 * Iceberg tables of a local catalog and to MySQL over Connector/J, and writing the `.done` marker itself. After each
 * run the applied tables' publication files are exported from Iceberg (a table whose statements failed is left as it
 * was, and the job's `.done` marker says why), and copied into the DuckDB database of local
 * mode so its report and `--query` read what Iceberg holds.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { tableId, type TableMetadata } from "../../../metadata/format";
import { findTable } from "../../../metadata/load";
import { runManifestSchema, runOutcomeSchema } from "../../../handlers/core/plan/manifest";
import { NO_CHANGES } from "../../executors/counts";
import type { DuckDbExecutor } from "../../executors/duckdb";
import { LocalJobRuns, splitS3Uri, type LocalRun } from "../glue-runner";
import type { JdbcTarget, LocalSparkSession } from "./spark-session";

export interface SparkGlueJobOptions {
  s3: S3Client;
  spark: LocalSparkSession;
  tables: readonly TableMetadata[];
  /** The Spark namespace the poller renders (`glue_catalog.<database>`). */
  sparkNamespace: string[];
  /** The MySQL target's JDBC settings, when the manifests carry MySQL statements. */
  jdbc?: JdbcTarget;
  /** Where `<schema>.<table>.parquet` publication files are written. */
  publicationDir: string;
  /** Receives a copy of each published table (local mode's database), so reports read what Iceberg holds. */
  duck: DuckDbExecutor;
  /** Where a copy of each manifest is kept for people to read. */
  manifestDir?: string;
}

export class SparkGlueJob extends LocalJobRuns {
  constructor(private readonly options: SparkGlueJobOptions) {
    super();
  }

  protected async execute(jobRunId: string, manifestUri: string, manifestSha256: string): Promise<LocalRun> {
    const { s3, spark } = this.options;
    const [bucket, key] = splitS3Uri(manifestUri);
    const text =
      (await (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body?.transformToString("utf-8")) ?? "";
    const manifest = runManifestSchema.parse(JSON.parse(text));
    if (this.options.manifestDir) {
      fs.mkdirSync(this.options.manifestDir, { recursive: true });
      fs.writeFileSync(path.join(this.options.manifestDir, `${manifest.runId}.json`), text);
    }
    // The job writes the `.done` marker itself once every table has an outcome; a failed table's is read from it.
    // The job itself checks the manifest's hash (apply_changes.read_manifest) and each file's ETag.
    const applied = await spark.apply(manifestUri, manifestSha256, this.options.jdbc);
    const [doneBucket, doneKey] = splitS3Uri(manifest.doneUri);
    const done = runOutcomeSchema.parse(
      JSON.parse(
        (await (await s3.send(new GetObjectCommand({ Bucket: doneBucket, Key: doneKey }))).Body?.transformToString("utf-8")) ??
          "",
      ),
    );
    const tables: LocalRun["tables"] = [];
    for (const [i, entry] of manifest.tables.entries()) {
      const [schema, ...rest] = entry.table.split(".");
      const meta = findTable(this.options.tables, schema, rest.join("."));
      if (!meta) throw new Error(`${manifestUri}: table ${entry.table} has no metadata here`);
      const outcome = done.tables?.find((t) => t.table === entry.table);
      if (outcome?.status === "failed") {
        tables.push({ table: entry.table, files: entry.files, lake: NO_CHANGES, rows: 0, failed: outcome.error ?? "failed" });
        continue;
      }
      const counts = applied[i].counts;
      const rows = await this.publish(meta);
      // MySQL applies the same deduplicated batch under the same guard: its counts are the lake's.
      tables.push({ table: entry.table, files: entry.files, lake: counts, mysql: this.options.jdbc ? counts : undefined, rows });
    }
    return { jobRunId, manifest, tables, finishedAt: new Date() };
  }

  /** Exports the Iceberg table's live rows in key order to its publication file, and copies them into DuckDB. */
  private async publish(meta: TableMetadata): Promise<number> {
    fs.mkdirSync(this.options.publicationDir, { recursive: true });
    const file = path.join(this.options.publicationDir, `${tableId(meta)}.parquet`);
    const tmp = `${file}.tmp-${process.pid}`;
    const rows = await this.options.spark.exportPublication(meta, this.options.sparkNamespace, tmp);
    fs.renameSync(tmp, file);
    const duckPlan = this.options.duck.plan(meta);
    const escaped = file.replace(/'/g, "''");
    await this.options.duck.connection.run(
      `CREATE OR REPLACE TABLE ${duckPlan.name("target")} AS SELECT * FROM read_parquet('${escaped}')`,
    );
    return rows;
  }
}

/**
 * The DMS reconciliation Lambda (scheduled, one per source, in the ingestion account next to the task): compares DMS's
 * table statistics with the rows at each stage of the pipeline (handlers/core/dms/), publishes one
 * `reconciliation-drift` alert per table with drift, and an EMF data point per table (`ReconciliationDriftRows`, the
 * table as a property: the missing rows of its first drifting stage, 0 when none).
 */
import { DatabaseMigrationServiceClient } from "@aws-sdk/client-database-migration-service";
import { S3Client } from "@aws-sdk/client-s3";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { z } from "zod";
import { driftAlert } from "./core/dms/drift";
import { RECONCILE_METRICS, TABLE_PROPERTY } from "./core/metric-names";
import { reconcileSource, type ReconcileSourceSettings, type SourceReconciliation } from "./core/dms/reconcile-source";
import { requiredVar, settingsFromEnv, wholeNumberVar } from "./lib/env";
import { s3StateReader } from "./lib/s3-state-reader";

export const dmsReconcileEnvSchema = z.object({
  SOURCE: requiredVar("SOURCE"),
  /** `cdc-<env>-<source>`: the task's identifier. */
  DMS_TASK_ID: requiredVar("DMS_TASK_ID"),
  /** The task's ARN, for IAM (DescribeTableStatistics is granted on it). */
  DMS_TASK_ARN: requiredVar("DMS_TASK_ARN"),
  RAW_BUCKET: requiredVar("RAW_BUCKET"),
  QUARANTINE_BUCKET: requiredVar("QUARANTINE_BUCKET"),
  HARMONIZED_BUCKET: requiredVar("HARMONIZED_BUCKET"),
  /** Set where the lake bucket is readable from here (same account): then the applied stage is checked. */
  LAKE_BUCKET: z.string().min(1).optional(),
  ALERT_TOPIC_ARN: requiredVar("ALERT_TOPIC_ARN"),
  /** JSON `[{name, tables: [globs]}]`: the source's targets. */
  RECONCILE_TARGETS: requiredVar("RECONCILE_TARGETS").transform((raw, ctx) => {
    const schema = z.array(z.object({ name: z.string().min(1), tables: z.array(z.string().min(1)) }));
    try {
      const r = schema.safeParse(JSON.parse(raw));
      if (r.success) return r.data;
      ctx.addIssue({
        code: "custom",
        message: `RECONCILE_TARGETS: ${r.error.issues[0].path.join(".")}: ${r.error.issues[0].message}`,
      });
    } catch (err) {
      ctx.addIssue({ code: "custom", message: `RECONCILE_TARGETS: not JSON: ${(err as Error).message}` });
    }
    return z.NEVER;
  }),
  BATCH_SECONDS: wholeNumberVar("BATCH_SECONDS", 60, 0),
  STALE_MINUTES: wholeNumberVar("STALE_MINUTES", 60, 0),
  APPLY_GRACE_MINUTES: wholeNumberVar("APPLY_GRACE_MINUTES", 120, 0),
  TOLERANCE_ROWS: wholeNumberVar("TOLERANCE_ROWS", 0, 0),
});

export interface DmsReconcileEnv {
  settings: Omit<ReconcileSourceSettings, "lake">;
  lakeBucket?: string;
  alertTopicArn: string;
  batchSeconds: number;
  staleMinutes: number;
  applyGraceMinutes: number;
  toleranceRows: number;
}

/** Settings from the environment; throws one line naming the first missing or malformed variable. */
export function dmsReconcileEnvFrom(env: NodeJS.ProcessEnv): DmsReconcileEnv {
  const e = settingsFromEnv("dms-reconcile", dmsReconcileEnvSchema, env);
  return {
    settings: {
      source: e.SOURCE,
      taskId: e.DMS_TASK_ID,
      rawBucket: e.RAW_BUCKET,
      quarantineBucket: e.QUARANTINE_BUCKET,
      harmonizedBucket: e.HARMONIZED_BUCKET,
      targets: e.RECONCILE_TARGETS,
    },
    lakeBucket: e.LAKE_BUCKET,
    alertTopicArn: e.ALERT_TOPIC_ARN,
    batchSeconds: e.BATCH_SECONDS,
    staleMinutes: e.STALE_MINUTES,
    applyGraceMinutes: e.APPLY_GRACE_MINUTES,
    toleranceRows: e.TOLERANCE_ROWS,
  };
}

export interface DmsReconcileDeps {
  dms: DatabaseMigrationServiceClient;
  s3: S3Client;
  sns: SNSClient;
  env: DmsReconcileEnv;
  logger?: Logger;
  metrics?: Metrics;
  now?: () => Date;
}

/** The command an operator runs to see the comparison (the Lambda does not know the stack's name). */
export const reconcileCommand = (source: string, table: string) =>
  `cdc reconcile --stack <stack> --source ${source} --table ${table}`;

export function createDmsReconcileHandler(deps: DmsReconcileDeps): () => Promise<SourceReconciliation> {
  const logger = deps.logger ?? new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? "cdc-dms-reconcile" });
  const metrics = deps.metrics ?? new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? "cdc" });
  const { env } = deps;
  return async () => {
    const result = await reconcileSource(
      { dms: deps.dms, s3: deps.s3 },
      { ...env.settings, lake: env.lakeBucket ? s3StateReader(deps.s3, env.lakeBucket) : undefined },
      {
        now: deps.now?.() ?? new Date(),
        batchSeconds: env.batchSeconds,
        staleMinutes: env.staleMinutes,
        applyGraceMinutes: env.applyGraceMinutes,
        toleranceRows: env.toleranceRows,
      },
    );
    for (const t of result.tables) {
      // One EMF line per table, the table as a property, never a dimension (handlers/core/metric-names.ts says why).
      metrics.addMetadata(TABLE_PROPERTY, t.table);
      metrics.addMetric(RECONCILE_METRICS.driftRows, MetricUnit.Count, t.drift ? t.drift.difference : 0);
      metrics.publishStoredMetrics();
      const alert = driftAlert(env.settings.source, t, reconcileCommand(env.settings.source, t.table));
      if (!alert) continue;
      logger.warn("reconciliation drift", alert);
      await deps.sns.send(
        new PublishCommand({
          TopicArn: env.alertTopicArn,
          Subject:
            `cdc ${env.settings.source}: ${t.table} drift at ${String(alert.stage)} (${String(alert.difference)} rows)`.slice(
              0,
              100,
            ),
          Message: JSON.stringify(alert),
        }),
      );
    }
    logger.info("reconciled with DMS", {
      task: result.taskId,
      status: result.taskStatus,
      tables: result.tables.length,
      drifting: result.tables.filter((t) => t.drift).map((t) => t.table),
      appliedChecked: result.appliedChecked,
    });
    return result;
  };
}

let cached: (() => Promise<SourceReconciliation>) | undefined;

/** The Lambda entry point (scheduled; the event carries nothing the handler needs). */
export const handler = (): Promise<SourceReconciliation> => {
  cached ??= createDmsReconcileHandler({
    dms: new DatabaseMigrationServiceClient({}),
    s3: new S3Client({}),
    sns: new SNSClient({}),
    env: dmsReconcileEnvFrom(process.env),
  });
  return cached();
};

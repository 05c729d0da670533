/**
 * The DMS reconciliation Lambda (scheduled, one per source, in the ingestion account next to the task): compares DMS's
 * table statistics with the rows at each stage of the pipeline (handlers/core/dms/), and an EMF data point per table
 * every run (`ReconciliationDriftRows`, the table as a property: the missing rows of its first drifting stage, 0 when
 * none). A `reconciliation-drift` alert goes out when a table's drift appears or its stage or difference changes, not
 * every run; a `reconciliation-not-replicated` alert once for metadata tables DMS does not report.
 *
 * Its ledger (handlers/core/dms/ledger.ts, `dms-reconcile/<source>/ledger.json` in the artifacts bucket) makes each run
 * count only what is new; a missing or unusable one is rebuilt with a warning. It stops reading before the Lambda's
 * deadline and reports the tables it did not reach as incomplete: the next run goes on from the ledger.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { DatabaseMigrationServiceClient } from "@aws-sdk/client-database-migration-service";
import { S3Client } from "@aws-sdk/client-s3";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { z } from "zod";
import { driftAlert, type TableReconciliation } from "./core/dms/drift";
import { ledgerKey, METADATA_TABLES_FILE, parseLedger, type Ledger } from "./core/dms/ledger";
import { RECONCILE_METRICS, TABLE_PROPERTY } from "./core/metric-names";
import { reconcileSource, type ReconcileSourceSettings, type SourceReconciliation } from "./core/dms/reconcile-source";
import { requiredVar, settingsFromEnv, wholeNumberVar } from "./lib/env";
import { s3StateReader } from "./lib/s3-state-reader";
import { s3VersionedStore } from "./lib/s3-versioned-store";

export const dmsReconcileEnvSchema = z.object({
  SOURCE: requiredVar("SOURCE"),
  /** `cdc-<env>-<source>`: the task's identifier. */
  DMS_TASK_ID: requiredVar("DMS_TASK_ID"),
  /** The task's ARN, for IAM (DescribeTableStatistics is granted on it) and to tell its ledger from another task's. */
  DMS_TASK_ARN: requiredVar("DMS_TASK_ARN"),
  RAW_BUCKET: requiredVar("RAW_BUCKET"),
  QUARANTINE_BUCKET: requiredVar("QUARANTINE_BUCKET"),
  HARMONIZED_BUCKET: requiredVar("HARMONIZED_BUCKET"),
  /** Set where the lake bucket is readable from here (same account): then the applied stage is checked. */
  LAKE_BUCKET: z.string().min(1).optional(),
  ALERT_TOPIC_ARN: requiredVar("ALERT_TOPIC_ARN"),
  /** The ingestion account's artifacts bucket: the ledger lives under `dms-reconcile/<source>/` there. */
  LEDGER_BUCKET: requiredVar("LEDGER_BUCKET"),
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
  /** Objects HEADed or read at once: S3 serves thousands a second per prefix; the Lambda's sockets are the limit. */
  READ_CONCURRENCY: wholeNumberVar("READ_CONCURRENCY", 16, 1),
});

export interface DmsReconcileEnv {
  settings: Omit<ReconcileSourceSettings, "lake">;
  /** The task's ARN: a ledger of another task (the task created again) is not used. */
  taskArn: string;
  lakeBucket?: string;
  alertTopicArn: string;
  ledgerBucket: string;
  readConcurrency: number;
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
    taskArn: e.DMS_TASK_ARN,
    lakeBucket: e.LAKE_BUCKET,
    alertTopicArn: e.ALERT_TOPIC_ARN,
    ledgerBucket: e.LEDGER_BUCKET,
    readConcurrency: e.READ_CONCURRENCY,
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
  /** The source's metadata tables (`schema.table`), deployed next to the code; those DMS does not report are alerted. */
  metadataTables?: readonly string[];
}

/** The Lambda's context as far as the handler uses it. */
export interface DeadlineContext {
  getRemainingTimeInMillis(): number;
}

/** Time kept after the last read: writing the ledger, the alerts and the log. */
const FINISH_MS = 60_000;

/** The command an operator runs to see the comparison (the Lambda does not know the stack's name). */
export const reconcileCommand = (source: string, table: string) =>
  `cdc reconcile --stack <stack> --source ${source} --table ${table}`;

export function createDmsReconcileHandler(
  deps: DmsReconcileDeps,
): (event?: unknown, context?: DeadlineContext) => Promise<SourceReconciliation> {
  const logger = deps.logger ?? new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? "cdc-dms-reconcile" });
  const metrics = deps.metrics ?? new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? "cdc" });
  const { env } = deps;
  const source = env.settings.source;
  const store = s3VersionedStore(deps.s3, env.ledgerBucket);
  const key = ledgerKey(source);
  return async (_event, context) => {
    const stored = await store.readVersioned(key);
    const deadline = context ? Date.now() + Math.max(0, context.getRemainingTimeInMillis() - FINISH_MS) : undefined;
    const { ledger, rebuilt } = parseLedger(stored?.body, env.taskArn);
    if (rebuilt && stored) logger.warn("ledger unusable: counting every table from scratch", { key, reason: rebuilt });
    else if (rebuilt) logger.info("no ledger yet: counting every table from scratch", { key });
    const result = await reconcileSource(
      { dms: deps.dms, s3: deps.s3 },
      {
        ...env.settings,
        lake: env.lakeBucket ? s3StateReader(deps.s3, env.lakeBucket) : undefined,
        metadataTables: deps.metadataTables,
      },
      {
        now: deps.now?.() ?? new Date(),
        batchSeconds: env.batchSeconds,
        staleMinutes: env.staleMinutes,
        applyGraceMinutes: env.applyGraceMinutes,
        toleranceRows: env.toleranceRows,
      },
      { ledger, concurrency: env.readConcurrency, deadline },
    );
    if (result.rebuilt.length > 0)
      logger.warn("ledger rebuilt: these tables are counted from scratch (one slower run)", { tables: result.rebuilt });
    for (const t of result.tables) {
      // One EMF line per table every run, the table as a property, never a dimension (metric-names.ts says why).
      metrics.addMetadata(TABLE_PROPERTY, t.table);
      metrics.addMetric(RECONCILE_METRICS.driftRows, MetricUnit.Count, t.drift ? t.drift.difference : 0);
      metrics.publishStoredMetrics();
      await alertOnChange(deps, result.ledger, t, logger);
    }
    await alertNotReplicated(deps, result.ledger, result.notReplicated, logger);
    if (result.incomplete.length > 0)
      logger.warn("partial reconciliation: stopped before the Lambda's deadline; the next run goes on from the ledger", {
        incomplete: result.incomplete,
      });
    const written = await store.writeIfMatch(key, JSON.stringify(result.ledger), stored?.etag ?? null);
    if (!written) logger.warn("ledger not written: another run wrote it meanwhile; the next run counts from that one", { key });
    logger.info("reconciled with DMS", {
      task: result.taskId,
      status: result.taskStatus,
      tables: result.tables.length,
      drifting: result.tables.filter((t) => t.drift).map((t) => t.table),
      notReplicated: result.notReplicated,
      incomplete: result.incomplete,
      reads: result.reads,
      appliedChecked: result.appliedChecked,
    });
    return result;
  };
}

/** The drift alert when a table's drift is new or changed (the ledger remembers the last); forgets it when gone. */
async function alertOnChange(deps: DmsReconcileDeps, ledger: Ledger, t: TableReconciliation, logger: Logger) {
  const source = deps.env.settings.source;
  const entry = ledger.tables[t.table];
  const alert = driftAlert(source, t, reconcileCommand(source, t.table));
  if (!alert || !t.drift) {
    if (entry) delete entry.alerted;
    return;
  }
  const last = entry?.alerted;
  if (last && last.stage === t.drift.stage && last.difference === t.drift.difference) return;
  logger.warn("reconciliation drift", alert);
  await publish(deps, `cdc ${source}: ${t.table} drift at ${t.drift.stage} (${t.drift.difference} rows)`, alert);
  if (entry) entry.alerted = { stage: t.drift.stage, difference: t.drift.difference };
}

/** One alert for metadata tables DMS does not report, listing those not alerted before. */
async function alertNotReplicated(deps: DmsReconcileDeps, ledger: Ledger, tables: string[], logger: Logger) {
  const source = deps.env.settings.source;
  const fresh = tables.filter((t) => !ledger.notReplicated.includes(t));
  ledger.notReplicated = tables;
  if (fresh.length === 0) return;
  const alert = {
    kind: "reconciliation-not-replicated",
    source,
    tables: fresh,
    command: `cdc reconcile --stack <stack> --source ${source}`,
  };
  logger.warn("metadata tables DMS does not replicate", alert);
  await publish(deps, `cdc ${source}: ${fresh.length} metadata table(s) not replicated by DMS`, alert);
}

async function publish(deps: DmsReconcileDeps, subject: string, alert: Record<string, unknown>) {
  await deps.sns.send(
    new PublishCommand({ TopicArn: deps.env.alertTopicArn, Subject: subject.slice(0, 100), Message: JSON.stringify(alert) }),
  );
}

/** The metadata tables deployed next to the code, when there (absent in tests that pass them). */
export function deployedMetadataTables(codeDir: string): string[] | undefined {
  const file = path.join(codeDir, METADATA_TABLES_FILE);
  if (!fs.existsSync(file)) return undefined;
  const parsed = z.array(z.string().min(1)).safeParse(JSON.parse(fs.readFileSync(file, "utf-8")));
  if (!parsed.success) throw new Error(`${file}: expected a JSON list of schema.table names`);
  return parsed.data;
}

let cached: ReturnType<typeof createDmsReconcileHandler> | undefined;

/** The Lambda entry point (scheduled; the event carries nothing the handler needs, the context its deadline). */
export const handler = (event: unknown, context: DeadlineContext): Promise<SourceReconciliation> => {
  cached ??= createDmsReconcileHandler({
    dms: new DatabaseMigrationServiceClient({}),
    s3: new S3Client({}),
    sns: new SNSClient({}),
    env: dmsReconcileEnvFrom(process.env),
    metadataTables: deployedMetadataTables(__dirname),
  });
  return cached(event, context);
};

/**
 * The poller Lambda of one target (EventBridge schedule, every `schedule.everyMinutes`): drains the target queue into a
 * run manifest in the lake bucket and starts the target's Glue job on it. The logic is `pollTarget`
 * (handlers/core/poller/tick.ts); this file adapts SQS, S3 and Glue to it.
 *
 * Environment:
 *   SOURCE, TARGET              names from the stack config
 *   QUEUE_URL                   the target queue
 *   LAKE_BUCKET                 where runs/<source>/<target>/ manifests and state/<source>/<target>/ go
 *   HARMONIZED_BUCKET           validated files: searched for files no run applied
 *   ALERT_TOPIC_ARN             SNS topic of the alert naming a held table
 *   JOB_NAME                    the target's Glue ETL job (MaxConcurrentRuns 1)
 *   SPARK_NAMESPACE             catalog and database of the Iceberg tables, dotted (`glue_catalog.cdc_dev_sales`)
 *   MYSQL                       the target's MySQL server, "mysql" or "mariadb"; "false" or unset without one
 *   TOMBSTONE_RETENTION_DAYS    default 7
 *   MAX_MESSAGES                most messages per run (default 500)
 *   MAX_RUN_ATTEMPTS            failed runs of one manifest (the job died: no table at fault) after which one alert goes
 *                               out (default 3); it is re-submitted all the same, with backoff
 *   RUN_RETRY_BASE_MINUTES      wait before the second re-submission of a failing run, doubled after (default 5)
 *   RUN_RETRY_MAX_MINUTES       longest wait between two re-submissions of a failing run (default 60)
 *   TRANSIENT_RETRIES           times a table held on a transient error is resumed by the poller itself, with the same
 *                               backoff, before it waits for `cdc target resume` and alerts (default 3; 0: never)
 *   SWEEP_INTERVAL_MINUTES      how often every table's harmonized files are checked against its state (default 60)
 *   SWEEP_MIN_AGE_MINUTES       younger files are left to their message by that check (default 15)
 *   VISIBILITY_TIMEOUT_SECONDS  how long received messages stay hidden (default 900; longer than one tick)
 *   METADATA_DIR                a metadata directory to use instead of the metadata.json deployed with the function
 *   ICEBERG                     the target's Iceberg settings, JSON (handlers/core/plan/iceberg-settings.ts; default: none set)
 *   TABLE_OPTIMIZER_ROLE_ARN    the role Glue runs the table optimizers with, in the catalog's (lake) account; unset: the
 *                               poller enables no optimizers
 */
import { GetJobRunsCommand, GlueClient, StartJobRunCommand } from "@aws-sdk/client-glue";
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { s3VersionedStore } from "./lib/s3-versioned-store";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { z } from "zod";
import { handlerMetadata } from "../metadata/deployed";
import type { TableMetadata } from "../metadata/format";
import type { ReceivedFile } from "./core/poller/batch";
import { pollTarget } from "./core/poller/tick";
import type { JobRuns, PollResult, PollSettings, RunStore, TargetQueue } from "./core/poller/ports";
import type { Alerts } from "./core/poller/settle";
import { billedDpuHours, type PollMetrics } from "./core/poller/run-metrics";
import { POLL_METRICS, TABLE_PROPERTY } from "./core/metric-names";
import type { ListedObject } from "./core/poller/sweep";
import type { HarmonizedListing } from "./core/poller/work";
import { parseValidatedFileMessage } from "./core/messages";
import { MYSQL_FLAVORS, type MySqlFlavor } from "./core/plan/dialect";
import { requiredVar, settingsFromEnv, wholeNumberVar } from "./lib/env";
import { headObject } from "./lib/s3-objects";
import { glueTableOptimizers } from "./lib/glue-table-optimizers";
import { icebergSettingsFromJson } from "./core/plan/iceberg-settings";
import type { TableOptimizers } from "./core/poller/table-optimizers";

/** Glue job run states in which a run still occupies the target. */
export const ACTIVE_RUN_STATES = new Set(["STARTING", "RUNNING", "STOPPING", "WAITING"]);

export interface PollHandlerDeps {
  /** Powertools Metrics publishing the settled runs' measurements (default: one from the POWERTOOLS_* variables). */
  metrics?: Metrics;
  /** The Glue catalog's table optimizers (none: the poller enables no optimizers). */
  optimizers?: TableOptimizers;
  s3: S3Client;
  sqs: SQSClient;
  sns: SNSClient;
  /** The Glue job, or (local mode) any other runner of manifests. */
  runs: JobRuns;
  tables: readonly TableMetadata[];
  settings: PollSettings & { queueUrl: string; alertTopicArn: string; visibilityTimeoutSeconds?: number };
  logger?: Logger;
  now?: () => Date;
}

/** Builds the handler around explicit clients (tests pass fauxqs clients and a mocked Glue client). */
export function createPollHandler(deps: PollHandlerDeps): () => Promise<PollResult> {
  const logger = deps.logger ?? new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? "cdc-poll" });
  const { queueUrl, lakeBucket } = deps.settings;
  const queue = sqsTargetQueue(deps.sqs, queueUrl, deps.settings.visibilityTimeoutSeconds ?? 900, logger);
  const store = s3RunStore(deps.s3, lakeBucket);
  const harmonized = s3Listing(deps.s3, deps.settings.harmonizedBucket);
  const alerts = snsAlerts(deps.sns, deps.settings.alertTopicArn);
  const metrics = deps.metrics ?? new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? "cdc" });
  return () =>
    pollTarget({
      queue,
      store,
      runs: deps.runs,
      harmonized,
      alerts,
      tables: deps.tables,
      settings: deps.settings,
      logger,
      now: deps.now,
      metrics: emfPollMetrics(metrics),
      optimizers: deps.optimizers,
    });
}

/**
 * The settled runs' measurements as EMF: one line per data point, each with its table or run as a property (never a
 * dimension: handlers/core/metric-names.ts says why), published at once so no property leaks into another point.
 */
export function emfPollMetrics(metrics: Metrics): PollMetrics {
  return {
    tableApplied({ table, runId, commitToTargetSeconds }) {
      metrics.addMetadata(TABLE_PROPERTY, table);
      metrics.addMetadata("runId", runId);
      metrics.addMetric(POLL_METRICS.commitToTarget, MetricUnit.Seconds, commitToTargetSeconds);
      metrics.publishStoredMetrics();
    },
    runSettled({ runId, attempts, executionSeconds, dpuHours }) {
      metrics.addMetadata("runId", runId);
      metrics.addMetadata("attempts", String(attempts));
      metrics.addMetric(POLL_METRICS.glueSeconds, MetricUnit.Seconds, executionSeconds);
      metrics.addMetric(POLL_METRICS.dpuHours, MetricUnit.Count, Math.round(dpuHours * 10000) / 10000);
      metrics.publishStoredMetrics();
    },
  };
}

/** Glue job run states of a run that ended without success. */
export const FAILED_RUN_STATES = new Set(["FAILED", "ERROR", "TIMEOUT", "STOPPED", "EXPIRED"]);

/** The target's Glue job: recent runs from GetJobRuns, ConcurrentRunsExceededException as "not started". */
export function glueJobRuns(glue: GlueClient, jobName: string): JobRuns {
  return {
    async recent() {
      // Newest first; a run still going, and the last attempts at a pending manifest, are among the most recent.
      const r = await glue.send(new GetJobRunsCommand({ JobName: jobName, MaxResults: 200 }));
      return (r.JobRuns ?? []).map((run) => ({
        id: run.Id as string,
        active: ACTIVE_RUN_STATES.has(run.JobRunState ?? ""),
        failed: FAILED_RUN_STATES.has(run.JobRunState ?? ""),
        manifestUri: run.Arguments?.["--manifest"],
        manifestSha256: run.Arguments?.["--manifest_sha256"],
        ...(run.ErrorMessage ? { error: run.ErrorMessage } : {}),
        ...(run.CompletedOn ? { completedAt: run.CompletedOn.toISOString() } : {}),
        ...(run.ExecutionTime !== undefined ? { executionSeconds: run.ExecutionTime } : {}),
        dpuHours: billedDpuHours(run),
      }));
    },
    async start(manifestUri, manifestSha256) {
      try {
        // The job refuses a manifest whose bytes hash otherwise (handlers/glue/apply_changes.py `read_manifest`).
        const r = await glue.send(
          new StartJobRunCommand({
            JobName: jobName,
            Arguments: { "--manifest": manifestUri, "--manifest_sha256": manifestSha256 },
          }),
        );
        return { started: true, jobRunId: r.JobRunId as string };
      } catch (err) {
        if ((err as { name?: string }).name === "ConcurrentRunsExceededException")
          return { started: false, reason: (err as Error).message };
        throw err;
      }
    },
  };
}

function sqsTargetQueue(sqs: SQSClient, queueUrl: string, visibilityTimeout: number, logger: Logger): TargetQueue {
  const inTens = <T>(items: readonly T[]) =>
    Array.from({ length: Math.ceil(items.length / 10) }, (_, i) => items.slice(i * 10, i * 10 + 10));
  return {
    async receive(max) {
      const r = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: max,
          WaitTimeSeconds: 0,
          VisibilityTimeout: visibilityTimeout,
        }),
      );
      return (r.Messages ?? []).map((m): ReceivedFile => {
        const base = { messageId: m.MessageId as string, receiptHandle: m.ReceiptHandle as string };
        try {
          return { ...base, message: parseValidatedFileMessage(m.Body ?? "") };
        } catch (err) {
          return { ...base, error: (err as Error).message };
        }
      });
    },
    async delete(files) {
      for (const chunk of inTens(files)) {
        const entries = chunk.map((f, i) => ({ Id: String(i), ReceiptHandle: f.receiptHandle }));
        const r = await sqs.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
        // The run has started: a message that could not be deleted comes back and is applied again, harmlessly.
        for (const f of r.Failed ?? []) logger.warn("message not deleted; it will be applied again", { code: f.Code, id: f.Id });
      }
    },
    async release(files) {
      for (const chunk of inTens(files)) {
        const entries = chunk.map((f, i) => ({ Id: String(i), ReceiptHandle: f.receiptHandle, VisibilityTimeout: 0 }));
        await sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
      }
    },
  };
}

function s3RunStore(s3: S3Client, bucket: string): RunStore {
  return {
    async list(prefix, startAfter) {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const r = await s3.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, StartAfter: startAfter, ContinuationToken: token }),
        );
        keys.push(...(r.Contents ?? []).map((o) => o.Key as string));
        token = r.NextContinuationToken;
      } while (token);
      return keys.sort();
    },
    async read(key) {
      try {
        const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        return await r.Body?.transformToString("utf-8");
      } catch (err) {
        if ((err as { name?: string }).name === "NoSuchKey") return undefined;
        throw err;
      }
    },
    ...s3VersionedStore(s3, bucket),
    async writeDurably(key, body) {
      const bytes = Buffer.from(body, "utf-8");
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: bytes, ContentType: "application/json" }));
      const head = await headObject(s3, { bucket, key });
      if (head?.ContentLength !== bytes.length)
        throw new Error(`s3://${bucket}/${key}: not readable with ${bytes.length} bytes after PutObject`);
    },
    async remove(key) {
      await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
    uri: (key) => `s3://${bucket}/${key}`,
  };
}

/** The poller's environment, declared once (see the file's comment for what each variable means). */
const pollEnvSchema = z.object({
  SOURCE: requiredVar("SOURCE"),
  TARGET: requiredVar("TARGET"),
  QUEUE_URL: requiredVar("QUEUE_URL"),
  JOB_NAME: requiredVar("JOB_NAME"),
  LAKE_BUCKET: requiredVar("LAKE_BUCKET"),
  HARMONIZED_BUCKET: requiredVar("HARMONIZED_BUCKET"),
  ALERT_TOPIC_ARN: requiredVar("ALERT_TOPIC_ARN"),
  SPARK_NAMESPACE: requiredVar("SPARK_NAMESPACE"),
  // "false" or unset: the target has no MySQL database; anything else is a deployment mistake.
  MYSQL: z
    .string()
    .optional()
    .transform((raw, ctx): MySqlFlavor | false => {
      if (raw === undefined || raw === "" || raw === "false") return false;
      if ((MYSQL_FLAVORS as readonly string[]).includes(raw)) return raw as MySqlFlavor;
      ctx.addIssue({ code: "custom", message: `MYSQL must be ${MYSQL_FLAVORS.join(", ")} or false, got ${JSON.stringify(raw)}` });
      return z.NEVER;
    }),
  TOMBSTONE_RETENTION_DAYS: wholeNumberVar("TOMBSTONE_RETENTION_DAYS", 7),
  MAX_MESSAGES: wholeNumberVar("MAX_MESSAGES", 500),
  MAX_RUN_ATTEMPTS: wholeNumberVar("MAX_RUN_ATTEMPTS", 3),
  RUN_RETRY_BASE_MINUTES: wholeNumberVar("RUN_RETRY_BASE_MINUTES", 5),
  RUN_RETRY_MAX_MINUTES: wholeNumberVar("RUN_RETRY_MAX_MINUTES", 60),
  TRANSIENT_RETRIES: wholeNumberVar("TRANSIENT_RETRIES", 3, 0),
  VISIBILITY_TIMEOUT_SECONDS: wholeNumberVar("VISIBILITY_TIMEOUT_SECONDS", 900),
  SWEEP_INTERVAL_MINUTES: wholeNumberVar("SWEEP_INTERVAL_MINUTES", 60),
  SWEEP_MIN_AGE_MINUTES: wholeNumberVar("SWEEP_MIN_AGE_MINUTES", 15, 0),
  ICEBERG: z.string().optional(),
  TABLE_OPTIMIZER_ROLE_ARN: z
    .string()
    .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/.+/, { error: "TABLE_OPTIMIZER_ROLE_ARN must be an IAM role ARN" })
    .optional(),
});

/** Settings from the environment; throws naming the first missing or malformed variable. */
export function pollSettingsFromEnv(env: NodeJS.ProcessEnv): PollHandlerDeps["settings"] & { jobName: string } {
  const e = settingsFromEnv("poll", pollEnvSchema, env);
  return {
    source: e.SOURCE,
    target: e.TARGET,
    queueUrl: e.QUEUE_URL,
    jobName: e.JOB_NAME,
    lakeBucket: e.LAKE_BUCKET,
    harmonizedBucket: e.HARMONIZED_BUCKET,
    alertTopicArn: e.ALERT_TOPIC_ARN,
    sparkNamespace: e.SPARK_NAMESPACE.split("."),
    mysql: e.MYSQL,
    tombstoneRetentionDays: e.TOMBSTONE_RETENTION_DAYS,
    maxMessages: e.MAX_MESSAGES,
    maxAttempts: e.MAX_RUN_ATTEMPTS,
    runRetryBaseMs: e.RUN_RETRY_BASE_MINUTES * 60_000,
    runRetryMaxMs: e.RUN_RETRY_MAX_MINUTES * 60_000,
    transientRetries: e.TRANSIENT_RETRIES,
    visibilityTimeoutSeconds: e.VISIBILITY_TIMEOUT_SECONDS,
    sweepIntervalMs: e.SWEEP_INTERVAL_MINUTES * 60_000,
    sweepMinAgeMs: e.SWEEP_MIN_AGE_MINUTES * 60_000,
    iceberg: icebergSettingsFromJson(e.ICEBERG, "poll Lambda: ICEBERG"),
    ...(e.TABLE_OPTIMIZER_ROLE_ARN ? { optimizerRoleArn: e.TABLE_OPTIMIZER_ROLE_ARN } : {}),
  };
}

/** The harmonized bucket's listing, every page. */
function s3Listing(s3: S3Client, bucket: string): HarmonizedListing {
  return {
    async list(prefix, startAfter) {
      const out: ListedObject[] = [];
      let token: string | undefined;
      do {
        const r = await s3.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, StartAfter: startAfter, ContinuationToken: token }),
        );
        out.push(...(r.Contents ?? []).map((o) => ({ key: o.Key as string, lastModified: o.LastModified, etag: o.ETag })));
        token = r.NextContinuationToken;
      } while (token);
      return out;
    },
    // A listing rather than a HEAD: the poller may list harmonized (FindUnappliedFiles) but not read its objects.
    async etag(key) {
      const r = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key, MaxKeys: 1000 }));
      return r.Contents?.find((o) => o.Key === key)?.ETag;
    },
  };
}

function snsAlerts(sns: SNSClient, topicArn: string): Alerts {
  return {
    async publish(subject, message) {
      await sns.send(new PublishCommand({ TopicArn: topicArn, Subject: subject, Message: message }));
    },
  };
}

let cached: (() => Promise<PollResult>) | undefined;

/** The Lambda entry point (scheduled; the event carries nothing the poller needs). */
export const handler = (): Promise<PollResult> => {
  if (!cached) {
    const settings = pollSettingsFromEnv(process.env);
    const metadata = handlerMetadata(process.env.METADATA_DIR, __dirname);
    const glue = new GlueClient({});
    // The role is the catalog's account's: the optimizers' tables are in that account's catalog.
    const catalogId = settings.optimizerRoleArn?.split(":")[4];
    cached = createPollHandler({
      optimizers: catalogId ? glueTableOptimizers(glue, catalogId) : undefined,
      s3: new S3Client({}),
      sqs: new SQSClient({}),
      sns: new SNSClient({}),
      runs: glueJobRuns(glue, settings.jobName),
      tables: metadata.tables,
      settings,
    });
  }
  return cached();
};

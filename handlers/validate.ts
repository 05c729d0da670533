/**
 * The validate Lambda (SQS-triggered by the raw bucket's S3 notifications). Each message names new raw objects;
 * each is validated footer-first and moved to harmonized (plus the validated-file message on the fan-out queue) or
 * to quarantine (plus one alert). Records fail individually (Powertools partial batch response), so SQS retries only
 * what failed; retries are safe because nothing leaves raw before its copy is verified. The same queue brings the
 * large-file job's results (`large-file-result` messages) for the files handed to it; those are moved the same way,
 * but only when SQS's SenderId says the job's role sent them: a verdict written by any other principal allowed to send
 * to the queue would move a file nobody checked. A forged S3 event needs no such check: it only has a raw file
 * validated from its own bytes.
 *
 * Environment:
 *   HARMONIZED_BUCKET      harmonized bucket (may be in the lake account)
 *   QUARANTINE_BUCKET      quarantine bucket
 *   ALERT_TOPIC_ARN        SNS topic for quarantine alerts
 *   FANOUT_QUEUE_URL       SQS queue the validated-file messages go to (the fan-out Lambda copies them per target)
 *   METADATA_DIR           a metadata directory to use instead of the metadata.json deployed with the function
 *   LARGE_FILE_BYTES       files this big go to the large-file job when their statistics are missing or the Op,
 *                          cdc_seq and key chunks to read are themselves this big (default 268435456)
 *   LOB_MAX_SIZE_KB        the DMS task's LobMaxSize (limited LOB mode, default 32 as DMS's); LOB values that reach it
 *                          are flagged as possibly truncated (a warning; the file moves on). 0: full LOB mode, no limit
 *   LARGE_FILE_JOB_NAME    Glue job for those files; unset → the Lambda reads the column chunks itself
 *   LARGE_FILE_JOB_ROLE_ID unique id (AROA…) of the job's role, required with LARGE_FILE_JOB_NAME: a large-file verdict
 *                          counts only when SQS says that role sent it; any other is ignored with one alert
 */
import { GlueClient, StartJobRunCommand } from "@aws-sdk/client-glue";
import { S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { z } from "zod";
import { handlerMetadata } from "../metadata/deployed";
import { isLargeFileResult, parseLargeFileResult, sentByRole } from "./core/messages";
import { TABLE_PROPERTY, VALIDATE_METRICS, violationMetric } from "./core/metric-names";
import { requiredVar, settingsFromEnv, wholeNumberVar } from "./lib/env";
import { parseS3EventBody } from "./lib/s3-event";
import {
  completeLargeFile,
  ignoreForeignVerdict,
  largeFileChecksFor,
  validateAndMove,
  type MoveDeps,
  type Outcome,
  type ValidateSettings,
} from "./lib/validated-move";

export interface ValidateHandlerDeps extends Omit<MoveDeps, "logger" | "startLargeFileJob"> {
  logger?: Logger;
  metrics?: Metrics;
  /**
   * Glue client and job name for large files without statistics, and the unique id (AROA…) of the job's role: only
   * verdicts that role sent count. Without a job, no verdict counts.
   */
  largeFileJob?: { glue: GlueClient; jobName: string; roleUniqueId: string };
}

const OUTCOME_METRICS: Record<Outcome, string> = {
  harmonized: VALIDATE_METRICS.harmonized,
  quarantined: VALIDATE_METRICS.quarantined,
  "large-file-job": VALIDATE_METRICS.largeFileJob,
  "already-moved": VALIDATE_METRICS.alreadyMoved,
  gone: VALIDATE_METRICS.gone,
  superseded: VALIDATE_METRICS.superseded,
};

/**
 * One EMF line per file: its outcome and violations, with the table as a property rather than a dimension
 * (handlers/core/metric-names.ts says why), so the dashboard counts files per table from the logs at no metric cost.
 * Added and published in one synchronous step: records run concurrently, and a property must not reach another file's
 * line.
 */
function publishFileMetrics(
  metrics: Metrics,
  outcome: Outcome,
  result: { table: string | null; errors: { code: string }[]; warnings?: { count: number }[] } | undefined,
): void {
  metrics.addMetadata(TABLE_PROPERTY, result?.table ?? "(unknown)");
  metrics.addMetric(OUTCOME_METRICS[outcome], MetricUnit.Count, 1);
  for (const e of result?.errors ?? []) metrics.addMetric(violationMetric(e.code), MetricUnit.Count, 1);
  // Values, not columns: the number the runbook's "how much to reload" starts from.
  const truncated = (result?.warnings ?? []).reduce((n, w) => n + w.count, 0);
  if (truncated > 0) metrics.addMetric(VALIDATE_METRICS.lobPossiblyTruncated, MetricUnit.Count, truncated);
  metrics.publishStoredMetrics();
}

/** Builds the handler around explicit clients and settings (tests pass fauxqs clients). */
export function createValidateHandler(
  deps: ValidateHandlerDeps,
): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  // Service name, namespace and log level come from the POWERTOOLS_* variables the deployment sets.
  const logger = deps.logger ?? new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? "cdc-validate" });
  const metrics = deps.metrics ?? new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? "cdc" });
  const job = deps.largeFileJob;
  const move: MoveDeps = {
    ...deps,
    logger,
    startLargeFileJob: job
      ? async (obj, result) => {
          const { table, kind } = result;
          const checks = table && kind ? largeFileChecksFor(deps.tables, table, kind, obj) : undefined;
          if (!table || !kind || !checks) throw new Error(`large-file hand-off without a resolved table for ${obj.key}`);
          await job.glue.send(
            new StartJobRunCommand({
              JobName: job.jobName,
              Arguments: {
                "--bucket": obj.bucket,
                "--key": obj.key,
                "--etag": obj.etag,
                "--table": table,
                "--file_kind": kind,
                "--checks": JSON.stringify(checks),
              },
            }),
          );
        }
      : undefined,
  };
  const processor = new BatchProcessor(EventType.SQS);
  // Records of a batch run concurrently; a second event for an object already being moved waits for the first and
  // then finds raw empty, instead of racing it into a duplicate copy and message.
  const inFlight = new Map<string, Promise<unknown>>();
  const one = async (obj: { bucket: string; key: string }, work: () => ReturnType<typeof validateAndMove>) => {
    const id = `${obj.bucket}/${obj.key}`;
    while (inFlight.has(id)) await inFlight.get(id)?.catch(() => undefined);
    const running = work();
    inFlight.set(id, running);
    const { outcome, result } = await running.finally(() => inFlight.delete(id));
    publishFileMetrics(metrics, outcome, result);
  };
  // The queue carries S3 events, and the large-file job's results for the files it checked.
  const record = async (r: SQSRecord) => {
    if (isLargeFileResult(r.body)) {
      // Checked before the body is parsed: a forged message may be malformed too, and must not loop through retries.
      const senderId = r.attributes.SenderId as string | undefined;
      if (!sentByRole(senderId, job?.roleUniqueId)) {
        metrics.addMetric(VALIDATE_METRICS.foreignVerdicts, MetricUnit.Count, 1);
        metrics.publishStoredMetrics();
        await ignoreForeignVerdict(move, {
          body: r.body,
          senderId,
          queueArn: r.eventSourceARN,
          expectedRoleId: job?.roleUniqueId,
        });
        return;
      }
      const message = parseLargeFileResult(r.body);
      await one(message, () => completeLargeFile(move, message));
      return;
    }
    for (const obj of parseS3EventBody(r.body)) await one(obj, () => validateAndMove(move, obj));
  };
  return async (event, context) => {
    logger.addContext(context);
    // Nothing to flush at the end: every data point is published with its file (publishFileMetrics).
    return processPartialResponse(event, record, processor, { context });
  };
}

/** The validate Lambda's environment, declared once (see the file's comment for what each variable means). */
const validateEnvSchema = z
  .object({
    HARMONIZED_BUCKET: requiredVar("HARMONIZED_BUCKET"),
    QUARANTINE_BUCKET: requiredVar("QUARANTINE_BUCKET"),
    ALERT_TOPIC_ARN: requiredVar("ALERT_TOPIC_ARN"),
    FANOUT_QUEUE_URL: requiredVar("FANOUT_QUEUE_URL"),
    METADATA_DIR: z.string().min(1).optional(),
    LARGE_FILE_BYTES: wholeNumberVar("LARGE_FILE_BYTES", 256 * 1024 * 1024),
    LOB_MAX_SIZE_KB: wholeNumberVar("LOB_MAX_SIZE_KB", 32, 0),
    LARGE_FILE_JOB_NAME: z.string().min(1).optional(),
    LARGE_FILE_JOB_ROLE_ID: z
      .string()
      .regex(/^AROA[A-Z0-9]+$/, { error: "LARGE_FILE_JOB_ROLE_ID must be the job role's unique id (AROA…)" })
      .optional(),
  })
  .refine((e) => !e.LARGE_FILE_JOB_NAME || e.LARGE_FILE_JOB_ROLE_ID, {
    error: "LARGE_FILE_JOB_ROLE_ID must be set with LARGE_FILE_JOB_NAME: only verdicts the job's role sent count",
  });

export interface ValidateEnv {
  /** Settings but the source, which the deployed metadata names. */
  settings: Omit<ValidateSettings, "source">;
  metadataDir?: string;
  largeFileJob?: { jobName: string; roleUniqueId: string };
}

/** Settings from the environment; throws naming the first missing or malformed variable. */
export function validateEnvFrom(env: NodeJS.ProcessEnv): ValidateEnv {
  const e = settingsFromEnv("validate", validateEnvSchema, env);
  return {
    settings: {
      harmonizedBucket: e.HARMONIZED_BUCKET,
      quarantineBucket: e.QUARANTINE_BUCKET,
      alertTopicArn: e.ALERT_TOPIC_ARN,
      fanOutQueueUrl: e.FANOUT_QUEUE_URL,
      largeFileBytes: e.LARGE_FILE_BYTES,
      ...(e.LOB_MAX_SIZE_KB > 0 && { lobLimitBytes: e.LOB_MAX_SIZE_KB * 1024 }),
    },
    metadataDir: e.METADATA_DIR,
    largeFileJob:
      e.LARGE_FILE_JOB_NAME && e.LARGE_FILE_JOB_ROLE_ID
        ? { jobName: e.LARGE_FILE_JOB_NAME, roleUniqueId: e.LARGE_FILE_JOB_ROLE_ID }
        : undefined,
  };
}

let cached: ((event: SQSEvent, context: Context) => Promise<SQSBatchResponse>) | undefined;

/** The Lambda entry point: configuration and metadata are loaded once per container. */
export const handler = (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  if (!cached) {
    const env = validateEnvFrom(process.env);
    const metadata = handlerMetadata(env.metadataDir, __dirname);
    cached = createValidateHandler({
      s3: new S3Client({}),
      sqs: new SQSClient({}),
      sns: new SNSClient({}),
      tables: metadata.tables,
      settings: { ...env.settings, source: metadata.source.source },
      largeFileJob: env.largeFileJob && { ...env.largeFileJob, glue: new GlueClient({}) },
    });
  }
  return cached(event, context);
};
